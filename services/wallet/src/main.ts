/** The wallet process: load config, start, and stop gracefully on SIGTERM/SIGINT. */
import { loadConfigOrExit } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { walletConfigSchema } from "./config.js";
import { startWalletApp } from "./app.js";
import { runUntilSignal } from "@wallet/runtime";

const config = loadConfigOrExit("wallet", walletConfigSchema);
const logger = createLogger("wallet", config.LOG_LEVEL);
runUntilSignal(logger, () => startWalletApp(config, logger), config.SHUTDOWN_GRACE_MS);
