/** The settlement process: load config, start, and stop gracefully on SIGTERM/SIGINT. */
import { loadConfigOrExit } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { runUntilSignal } from "@wallet/runtime";
import { startSettlementApp } from "./app.js";
import { settlementConfigSchema } from "./config.js";

const config = loadConfigOrExit("settlement", settlementConfigSchema);
const logger = createLogger("settlement", config.LOG_LEVEL);
runUntilSignal(logger, () => startSettlementApp(config, logger), config.SHUTDOWN_GRACE_MS);
