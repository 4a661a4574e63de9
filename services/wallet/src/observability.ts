/**
 * The wallet's Prometheus metrics. Counters and histograms are updated by observers the
 * components call; backlog-style gauges are read from PostgreSQL when scraped, so they are
 * true across all instances rather than one process's guess.
 */
import type pg from "pg";
import type { JetStreamManager } from "@nats-io/jetstream";
import { status } from "@grpc/grpc-js";
import {
  Counter,
  Gauge,
  Histogram,
  createMetricsRegistry,
  latencyBucketsSeconds,
  type Registry,
} from "@wallet/metrics";
import type { SettlementStore } from "./db/settlement-store.js";
import type { BatchObserver } from "./db/write-batcher.js";
import type { RpcObserver } from "./grpc/wallet-service.js";
import type { RelayObserver } from "./messaging/outbox-relay.js";
import type { ResultsObserver } from "./messaging/results-consumer.js";

export interface WalletMetrics {
  registry: Registry;
  rpc: RpcObserver;
  relay: RelayObserver;
  results: ResultsObserver;
  batches: BatchObserver;
}

/** Where consumer lag is read from: the JetStream manager once connected, and the two consumers. */
export interface ConsumerLagSource {
  manager(): JetStreamManager | undefined;
  consumers: { stream: string; consumer: string }[];
}

export function createWalletMetrics(
  pool: pg.Pool,
  store: SettlementStore,
  lag: ConsumerLagSource,
): WalletMetrics {
  const registry = createMetricsRegistry("wallet");
  const rpcTotal = new Counter({
    name: "wallet_rpc_requests_total",
    help: "gRPC calls by method and status code.",
    labelNames: ["method", "code"],
    registers: [registry],
  });
  const rpcSeconds = new Histogram({
    name: "wallet_rpc_duration_seconds",
    help: "gRPC call latency by method and status code.",
    labelNames: ["method", "code"],
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  new Gauge({
    name: "wallet_db_pool_connections",
    help: "pg pool connections by state (total, idle, waiting callers).",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "in_use" }, pool.totalCount - pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
  const outboxBacklog = new Gauge({
    name: "wallet_outbox_backlog",
    help: "Withdrawals committed but not yet published to JetStream.",
    registers: [registry],
  });
  new Gauge({
    name: "wallet_outbox_oldest_age_seconds",
    help: "Age of the oldest unpublished outbox row (0 when empty).",
    registers: [registry],
    async collect() {
      const stats = await store.outboxStats().catch(() => undefined);
      if (!stats) return;
      this.set(stats.oldestAgeSeconds);
      outboxBacklog.set(stats.backlog);
    },
  });
  new Gauge({
    name: "wallet_parked_withdrawals",
    help: "Withdrawals settlement gave up on, waiting for an operator retry.",
    registers: [registry],
    async collect() {
      const parked = await store.countParked().catch(() => undefined);
      if (parked !== undefined) this.set(parked);
    },
  });
  new Gauge({
    name: "wallet_jetstream_consumer_pending",
    help: "Consumer lag: messages not yet delivered (pending) and delivered but unacked (ack_pending), for settlement's and the wallet's consumers.",
    labelNames: ["consumer", "state"],
    registers: [registry],
    async collect() {
      const jsm = lag.manager();
      if (!jsm) return;
      await Promise.all(
        lag.consumers.map(async ({ stream, consumer }) => {
          const info = await jsm.consumers.info(stream, consumer).catch(() => undefined);
          if (!info) return;
          this.set({ consumer, state: "pending" }, info.num_pending);
          this.set({ consumer, state: "ack_pending" }, info.num_ack_pending);
        }),
      );
    },
  });
  const published = new Counter({
    name: "wallet_outbox_published_total",
    help: "Outbox rows published to JetStream.",
    registers: [registry],
  });
  const publishFailed = new Counter({
    name: "wallet_outbox_publish_failures_total",
    help: "Outbox publishes that failed and wait for the sweep.",
    registers: [registry],
  });
  const resultsTotal = new Counter({
    name: "wallet_settlement_results_total",
    help: "Settlement results consumed, by outcome and what applying them did (applied, ignored as duplicate, poison, retry).",
    labelNames: ["outcome", "applied"],
    registers: [registry],
  });
  const redeliveries = new Counter({
    name: "wallet_settlement_result_redeliveries_total",
    help: "Settlement results JetStream delivered more than once.",
    registers: [registry],
  });

  const batchSize = new Histogram({
    name: "wallet_write_batch_size",
    help: "Requests per write batch (one PostgreSQL transaction).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [registry],
  });
  const batchesTotal = new Counter({
    name: "wallet_write_batches_total",
    help: "Write batches by outcome: committed, retried (lost a key race or deadlock), fallback (ran one by one), failed.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: "wallet_write_batch_duration_seconds",
    help: "Time a write batch spent in the database.",
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });

  return {
    registry,
    batches: {
      onBatch(size, durationSeconds, outcome) {
        batchesTotal.inc({ outcome });
        if (outcome === "committed") {
          batchSize.observe(size);
          batchSeconds.observe(durationSeconds);
        }
      },
    },
    rpc: {
      onCallFinished(method, code, durationSeconds) {
        const labels = { method, code: status[code] ?? String(code) };
        rpcTotal.inc(labels);
        rpcSeconds.observe(labels, durationSeconds);
      },
    },
    relay: {
      onPublished: (count) => published.inc(count),
      onPublishFailed: (count) => publishFailed.inc(count),
    },
    results: {
      onResult(outcome, applied, redelivered) {
        resultsTotal.inc({ outcome, applied });
        if (redelivered) redeliveries.inc();
      },
    },
  };
}
