/**
 * The settlement process as a value: start it with a config, stop it gracefully. main.ts runs one.
 *
 * Start-up creates (or updates) the streams and the shared durable pull consumer, then starts a
 * fixed pool of workers that pull withdrawal requests, pay them at the bank and publish results.
 */
import type { Logger } from "@wallet/logger";
import {
  defaultStreamLimits,
  encodeWithdrawalResult,
  ensureConsumer,
  startNatsLink,
  topology,
  type NatsLink,
  type NatsReady,
} from "@wallet/messages";
import { createMetricsRegistry, startOpsServer } from "@wallet/metrics";
import { createBankClient } from "./bank/bank-client.js";
import type { SettlementConfig } from "./config.js";
import { createSettleMessage } from "./consumer/settle-message.js";
import { createTurnBatchedPublisher } from "./consumer/turn-batched-publisher.js";
import { startWorkerPool } from "./consumer/worker-pool.js";
import { startHealthMonitor } from "@wallet/runtime";
import { createSettlementMetrics } from "./metrics.js";

export interface SettlementApp {
  readonly opsPort: number;
  stop(): Promise<void>;
}

/** Pause between reconnect attempts. */
const natsReconnectWaitMs = 1_000;

export async function startSettlementApp(
  config: SettlementConfig,
  logger: Logger,
): Promise<SettlementApp> {
  const topo = topology(config.NATS_PREFIX);
  // Settlement has nothing to do without NATS: its start fails if the first connection does.
  const nats = startNatsLink({
    url: config.NATS_URL,
    name: "settlement",
    topology: topo,
    streamLimits: defaultStreamLimits,
    reconnectWaitMs: natsReconnectWaitMs,
    waitForServer: false,
    logger: logger.child({ component: "nats" }),
  });
  const ready = await nats.whenReady();
  try {
    return await startOnConnection(nats, ready, config, logger, topo);
  } catch (err) {
    await nats.close();
    throw err;
  }
}

async function startOnConnection(
  nats: NatsLink,
  { nc, js, jsm }: NatsReady,
  config: SettlementConfig,
  logger: Logger,
  topo: ReturnType<typeof topology>,
): Promise<SettlementApp> {
  await ensureConsumer(jsm, topo.requestStream, topo.settlementConsumer, topo.requestSubject, {
    ackWaitMs: config.SETTLEMENT_ACK_WAIT_MS,
    maxDeliver: config.SETTLEMENT_MAX_DELIVER,
    maxAckPending: config.SETTLEMENT_MAX_ACK_PENDING,
  });
  const consumer = await js.consumers.get(topo.requestStream, topo.settlementConsumer);

  const registry = createMetricsRegistry("settlement");
  const metrics = createSettlementMetrics(registry);
  const bank = createBankClient({
    baseUrl: config.BANK_URL,
    timeoutMs: config.BANK_TIMEOUT_MS,
    connectionsMax: config.SETTLEMENT_WORKERS + 1,
  });
  const results = createTurnBatchedPublisher(async (result, messageId) => {
    // Resolves on the PubAck; `expect` makes a result captured by some other stream an error.
    await js.publish(topo.resultSubject, encodeWithdrawalResult(result), {
      msgID: messageId,
      expect: { streamName: topo.resultStream },
    });
  }, config.SETTLEMENT_WORKERS);
  const settleMessage = createSettleMessage({
    bank,
    results,
    metrics,
    logger: logger.child({ component: "settlement" }),
    policy: {
      maxAttempts: config.SETTLEMENT_MAX_ATTEMPTS,
      backoff: {
        baseMs: config.SETTLEMENT_BACKOFF_MS_BASE,
        maxMs: config.SETTLEMENT_BACKOFF_MS_MAX,
      },
      maxDeliver: config.SETTLEMENT_MAX_DELIVER,
      workingIntervalMs: Math.max(100, Math.floor(config.SETTLEMENT_ACK_WAIT_MS / 3)),
    },
  });

  const health = startHealthMonitor(
    [
      { name: "nats", check: () => nc.rtt().then(() => undefined) },
      { name: "bank", check: () => bank.ping(config.HEALTH_CHECK_TIMEOUT_MS) },
    ],
    {
      intervalMs: config.HEALTH_CHECK_INTERVAL_MS,
      timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
      logger: logger.child({ component: "health" }),
      onChange: () => undefined,
    },
  );
  const ops = await startOpsServer({
    host: config.SETTLEMENT_OPS_HOST,
    port: config.SETTLEMENT_OPS_PORT,
    registry,
    health: () => ({ ok: health.healthy(), dependencies: health.snapshot() }),
  });

  const bufferMax = Math.min(config.SETTLEMENT_BUFFER_MAX, config.SETTLEMENT_WORKERS);
  const pool = startWorkerPool({
    source: {
      pull: (maxMessages) =>
        consumer.fetch({ max_messages: maxMessages, expires: config.SETTLEMENT_PULL_EXPIRES_MS }),
    },
    workers: config.SETTLEMENT_WORKERS,
    bufferMax,
    work: settleMessage,
    logger: logger.child({ component: "worker-pool" }),
    pullRetryMs: 1_000,
  });
  logger.info(
    {
      workers: config.SETTLEMENT_WORKERS,
      bufferMax,
      stream: topo.requestStream,
      consumer: topo.settlementConsumer,
      opsPort: ops.port,
    },
    "settlement ready",
  );

  return {
    opsPort: ops.port,
    async stop() {
      await pool.stop(config.SHUTDOWN_GRACE_MS);
      health.stop();
      await bank.close();
      await ops.close();
      // Flushes the acks and naks the workers sent, then closes the connection.
      await nats.close();
    },
  };
}
