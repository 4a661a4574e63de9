/** The gateway process: load config, start, and stop gracefully on SIGTERM/SIGINT. */
import { loadConfigOrExit } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { runUntilSignal } from "@wallet/runtime";
import { startGatewayApp } from "./app.js";
import { gatewayConfigSchema } from "./config.js";

const config = loadConfigOrExit("gateway", gatewayConfigSchema);
const logger = createLogger("gateway", config.LOG_LEVEL);
runUntilSignal(logger, () => startGatewayApp(config, logger), config.SHUTDOWN_GRACE_MS);
