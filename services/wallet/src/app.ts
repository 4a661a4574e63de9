/**
 * The wallet process as a value: start it with a config, stop it gracefully. main.ts runs one;
 * integration tests run one in-process on a random port against a throwaway database.
 */
import type { Logger } from "@wallet/logger";
import { createLedgerStore } from "./db/ledger-store.js";
import { applyMigrations } from "./db/migrate.js";
import { createPool } from "./db/pool.js";
import type { WalletConfig } from "./config.js";
import { startGrpcServer } from "./grpc/server.js";
import { createWalletService } from "./grpc/wallet-service.js";
import { startHealthMonitor } from "./health-monitor.js";

export interface WalletApp {
  readonly grpcPort: number;
  stop(): Promise<void>;
}

export async function startWalletApp(config: WalletConfig, logger: Logger): Promise<WalletApp> {
  if (config.MIGRATE_ON_START) {
    await applyMigrations(config.DATABASE_URL);
    logger.info("migrations applied");
  }
  const pool = createPool({
    databaseUrl: config.DATABASE_URL,
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    applicationName: "wallet",
  });
  const ledger = createLedgerStore(pool, { withdrawalBacklogMax: config.WITHDRAWAL_BACKLOG_MAX });
  const service = createWalletService({
    ledger,
    logger: logger.child({ component: "grpc" }),
    limits: { releaseHorizonMs: config.RELEASE_HORIZON_DAYS * 86_400_000 },
  });
  const server = await startGrpcServer(service, {
    host: config.WALLET_GRPC_HOST,
    port: config.WALLET_GRPC_PORT,
    maxReceiveMessageBytes: config.WALLET_GRPC_MAX_RECEIVE_BYTES,
  });
  const health = startHealthMonitor([{ name: "postgres", check: () => pool.query("select 1").then(() => undefined) }], {
    intervalMs: config.HEALTH_CHECK_INTERVAL_MS,
    timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
    logger: logger.child({ component: "health" }),
    onChange: (healthy) => server.setServing(healthy),
  });
  logger.info({ port: server.port }, "wallet listening");

  return {
    grpcPort: server.port,
    async stop() {
      health.stop();
      await server.shutdown(config.SHUTDOWN_GRACE_MS);
      await pool.end();
    },
  };
}
