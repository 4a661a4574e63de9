/** The wallet's configuration: every variable, its default and its bounds. */
import { boolVar, intVar, logLevelVar, portVar, urlVar, z } from "@wallet/config";

export const walletConfigSchema = z.object({
  LOG_LEVEL: logLevelVar,
  WALLET_GRPC_HOST: z.string().min(1).default("0.0.0.0"),
  WALLET_GRPC_PORT: portVar(50051),
  /** Largest gRPC message accepted; wallet requests are a few hundred bytes. */
  WALLET_GRPC_MAX_RECEIVE_BYTES: intVar(64 * 1024, 1024, 4 * 1024 * 1024),
  DATABASE_URL: urlVar("postgres://postgres@127.0.0.1:5432/wallet", ["postgres", "postgresql"]),
  DB_POOL_MAX: intVar(20, 1, 500),
  DB_STATEMENT_TIMEOUT_MS: intVar(5_000, 100, 600_000),
  DB_CONNECT_TIMEOUT_MS: intVar(2_000, 100, 60_000),
  DB_IDLE_TIMEOUT_MS: intVar(30_000, 1_000, 3_600_000),
  /** Apply migrations before serving (the `migrate` command does the same on its own). */
  MIGRATE_ON_START: boolVar(true),
  /** Unsettled withdrawals allowed system-wide; past it Withdraw answers RESOURCE_EXHAUSTED. */
  WITHDRAWAL_BACKLOG_MAX: intVar(10_000, 1, 10_000_000),
  /** A release_at further ahead than this is refused as absurd. */
  RELEASE_HORIZON_DAYS: intVar(3_650, 1, 36_500),
  HEALTH_CHECK_INTERVAL_MS: intVar(1_000, 100, 60_000),
  HEALTH_CHECK_TIMEOUT_MS: intVar(1_000, 50, 60_000),
  /** How long shutdown waits for in-flight work before cutting it. */
  SHUTDOWN_GRACE_MS: intVar(10_000, 0, 120_000),
});

export type WalletConfig = Readonly<z.infer<typeof walletConfigSchema>>;
