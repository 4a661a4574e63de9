/**
 * The wallet process as a value: start it with a config, stop it gracefully. main.ts runs one;
 * integration tests run one in-process on a random port against a throwaway database.
 */
import type { Logger } from "@wallet/logger";
import { topology } from "@wallet/messages";
import { startOpsServer } from "@wallet/metrics";
import { applyMigrations } from "./db/migrate.js";
import { createPool } from "./db/pool.js";
import { createBalanceReader } from "./db/balance-reader.js";
import { createWithdrawalBacklog } from "./db/withdrawal-backlog.js";
import { createWriteBatcher } from "./db/write-batcher.js";
import { createSettlementStore } from "./db/settlement-store.js";
import { createTransactionReader } from "./db/transaction-reader.js";
import { createLedger } from "./ledger.js";
import type { WalletConfig } from "./config.js";
import { startGrpcServer } from "./grpc/server.js";
import { createWalletService } from "./grpc/wallet-service.js";
import { startHealthMonitor } from "@wallet/runtime";
import { startNatsLink } from "./messaging/nats-link.js";
import { startOutboxRelay } from "./messaging/outbox-relay.js";
import { startResultsConsumer } from "./messaging/results-consumer.js";
import { createWalletMetrics } from "./observability.js";

export interface WalletApp {
  readonly grpcPort: number;
  readonly opsPort: number;
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
  const topo = topology(config.NATS_PREFIX);
  const settlementStore = createSettlementStore(pool);
  const nats = startNatsLink({
    url: config.NATS_URL,
    name: "wallet",
    topology: topo,
    streamLimits: {
      duplicateWindowMs: config.NATS_DUPLICATE_WINDOW_MS,
      maxMessages: config.NATS_STREAM_MAX_MESSAGES,
    },
    requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    logger: logger.child({ component: "nats" }),
  });
  const metrics = createWalletMetrics(pool, settlementStore, {
    manager: () => nats.ready()?.jsm,
    consumers: [
      { stream: topo.requestStream, consumer: topo.settlementConsumer },
      { stream: topo.resultStream, consumer: topo.resultsConsumer },
    ],
  });
  const relay = config.OUTBOX_RELAY_ENABLED
    ? startOutboxRelay({
        store: settlementStore,
        nats,
        topology: topo,
        settings: {
          batchMax: config.OUTBOX_BATCH_MAX,
          sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
          sweepMinAgeMs: config.OUTBOX_SWEEP_MIN_AGE_MS,
          publishTimeoutMs: config.OUTBOX_PUBLISH_TIMEOUT_MS,
        },
        logger: logger.child({ component: "outbox-relay" }),
        observer: metrics.relay,
      })
    : undefined;
  const results = startResultsConsumer({
    store: settlementStore,
    nats,
    topology: topo,
    settings: {
      batchMax: config.RESULTS_BATCH_MAX,
      ackWaitMs: config.RESULTS_ACK_WAIT_MS,
      maxDeliver: config.RESULTS_MAX_DELIVER,
      maxAckPending: config.RESULTS_MAX_ACK_PENDING,
      retryDelayMs: config.RESULTS_RETRY_DELAY_MS,
    },
    logger: logger.child({ component: "results-consumer" }),
    observer: metrics.results,
  });

  const backlog = createWithdrawalBacklog({ refreshMs: config.WITHDRAWAL_BACKLOG_REFRESH_MS });
  const ledger = createLedger({
    writes: createWriteBatcher({
      pool,
      backlog,
      settings: {
        lanes: config.WRITE_LANES,
        // Batching off is a batch of one: the same plan and statements, one request per commit.
        batchMax: config.WRITE_BATCHING_ENABLED ? config.WRITE_BATCH_MAX : 1,
        queueMax: config.WRITE_QUEUE_MAX,
        retriesMax: config.WRITE_BATCH_RETRIES_MAX,
        withdrawalBacklogMax: config.WITHDRAWAL_BACKLOG_MAX,
      },
      logger: logger.child({ component: "write-batcher" }),
      observer: metrics.batches,
    }),
    balances: createBalanceReader(pool, {
      batchMax: config.READ_BATCH_MAX,
      queueMax: config.READ_QUEUE_MAX,
    }),
    transactions: createTransactionReader(pool),
    withdrawalCommitted: relay
      ? (withdrawal) =>
          relay.committed([
            {
              transactionId: withdrawal.id,
              userId: withdrawal.userId,
              amountMinor: withdrawal.amountMinor,
              attempt: 0,
            },
          ])
      : undefined,
  });
  const grpcLogger = logger.child({ component: "grpc" });
  const service = createWalletService({
    ledger,
    logger: grpcLogger,
    limits: { releaseHorizonMs: config.RELEASE_HORIZON_DAYS * 86_400_000 },
    observer: metrics.rpc,
  });
  const server = await startGrpcServer(service, {
    host: config.WALLET_GRPC_HOST,
    port: config.WALLET_GRPC_PORT,
    limits: {
      maxReceiveMessageBytes: config.WALLET_GRPC_MAX_RECEIVE_BYTES,
      concurrentStreamsMax: config.WALLET_GRPC_CONCURRENT_STREAMS_MAX,
      sessionMemoryMb: config.WALLET_GRPC_SESSION_MEMORY_MB,
      connectionsMax: config.WALLET_GRPC_CONNECTIONS_MAX,
      connectionIdleMs: config.WALLET_GRPC_CONNECTION_IDLE_MS,
      connectionAgeMs: config.WALLET_GRPC_CONNECTION_AGE_MS,
      connectionAgeGraceMs: config.WALLET_GRPC_CONNECTION_AGE_GRACE_MS,
      keepaliveTimeMs: config.WALLET_GRPC_KEEPALIVE_TIME_MS,
      keepaliveTimeoutMs: config.WALLET_GRPC_KEEPALIVE_TIMEOUT_MS,
    },
  });
  const health = startHealthMonitor(
    [
      { name: "postgres", check: () => pool.query("select 1").then(() => undefined) },
      {
        name: "nats",
        check: async () =>
          nats.connected() ? undefined : Promise.reject(new Error("nats is not connected")),
      },
    ],
    {
      intervalMs: config.HEALTH_CHECK_INTERVAL_MS,
      timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
      logger: logger.child({ component: "health" }),
      onChange: (healthy) => server.setServing(healthy),
    },
  );
  // At start-up NATS usually connects just after the first check: report SERVING at once, not an
  // interval later (a client that checks health right after start would see NOT_SERVING).
  void nats.whenReady().then(() => health.checkNow());
  const ops = await startOpsServer({
    host: config.WALLET_OPS_HOST,
    port: config.WALLET_OPS_PORT,
    registry: metrics.registry,
    health: () => ({ ok: health.healthy(), dependencies: health.snapshot() }),
  });
  logger.info(
    { port: server.port, opsPort: ops.port, natsPrefix: config.NATS_PREFIX },
    "wallet listening",
  );

  return {
    grpcPort: server.port,
    opsPort: ops.port,
    async stop() {
      health.stop();
      // New calls stop first; in-flight ones finish; then the background work; then the pool.
      await server.shutdown(config.SHUTDOWN_GRACE_MS);
      await relay?.stop();
      await results.stop();
      await nats.close();
      await ops.close();
      await pool.end();
    },
  };
}
