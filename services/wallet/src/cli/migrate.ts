/** `migrate`: applies pending migrations to DATABASE_URL and exits; a second run is a no-op. */
import { loadConfigOrExit } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { walletConfigSchema } from "../config.js";
import { applyMigrations, migrationsFolder } from "../db/migrate.js";

const config = loadConfigOrExit("migrate", walletConfigSchema);
const logger = createLogger("migrate", config.LOG_LEVEL);
applyMigrations(config.DATABASE_URL).then(
  () => logger.info({ migrationsFolder }, "migrations applied"),
  (err: unknown) => {
    logger.fatal({ err }, "migration failed");
    process.exit(1);
  },
);
