/** The bank-sim process: load config, start, and stop gracefully on SIGTERM/SIGINT. */
import { loadConfigOrExit } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { runUntilSignal } from "@wallet/runtime";
import { startBankSimApp } from "./app.js";
import { bankSimConfigSchema } from "./config.js";

const config = loadConfigOrExit("bank-sim", bankSimConfigSchema);
const logger = createLogger("bank-sim", config.LOG_LEVEL);
runUntilSignal(logger, () => startBankSimApp(config, logger), config.SHUTDOWN_GRACE_MS);
