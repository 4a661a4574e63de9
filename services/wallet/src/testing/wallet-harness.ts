/**
 * Integration-test harness: a real wallet (gRPC server, pool, migrations) in this process on a
 * random port, against a throwaway database on the real PostgreSQL.
 */
import pg from "pg";
import { loadConfig } from "@wallet/config";
import { createLogger, type Logger } from "@wallet/logger";
import { createWalletClient, type WalletClient } from "@wallet/proto";
import { createTestDatabase, deleteStreams, uniqueName, type TestDatabase } from "@wallet/test-kit";
import { startWalletApp, type WalletApp } from "../app.js";
import { walletConfigSchema } from "../config.js";

export interface WalletHarness {
  app: WalletApp;
  client: WalletClient;
  database: TestDatabase;
  /** A direct pool on the test database, for assertions and for corrupting data on purpose. */
  pool: pg.Pool;
  address: string;
  natsPrefix: string;
  /** Stops the wallet but keeps the database, to start another wallet on it. */
  stopWallet(): Promise<void>;
  close(): Promise<void>;
}

export async function startWalletHarness(
  env: Record<string, string> = {},
  existing?: TestDatabase,
  logger?: Logger,
): Promise<WalletHarness> {
  const database = existing ?? (await createTestDatabase());
  const config = loadConfig(walletConfigSchema, {
    DATABASE_URL: database.url,
    WALLET_GRPC_HOST: "127.0.0.1",
    WALLET_GRPC_PORT: "0",
    WALLET_OPS_PORT: "0",
    NATS_PREFIX: env.NATS_PREFIX ?? uniqueName("wt"),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
  const app = await startWalletApp(config, logger ?? createLogger("wallet-test", config.LOG_LEVEL));
  const address = `127.0.0.1:${app.grpcPort}`;
  const client = createWalletClient(address, 15_000);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on("error", () => undefined);
  return {
    app,
    client,
    database,
    pool,
    address,
    natsPrefix: config.NATS_PREFIX,
    async stopWallet() {
      client.close();
      await app.stop();
    },
    async close() {
      client.close();
      await app.stop();
      await pool.end();
      await database.drop();
      // Streams the harness named are its own to remove; a prefix passed in is the caller's.
      if (env.NATS_PREFIX === undefined) await deleteStreams(config.NATS_URL, config.NATS_PREFIX);
    },
  };
}

let keyCounter = 0;
/** A fresh idempotency key. */
export function newKey(prefix = "k"): string {
  keyCounter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${keyCounter}`;
}
