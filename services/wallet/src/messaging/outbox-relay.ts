/**
 * Publishes outbox rows to JetStream. A withdrawal's commit wakes it at once (`notify`), so the
 * happy path has no polling delay; a periodic sweep picks up what a crash, a NATS outage or a
 * failed publish left behind. Rows are claimed with SKIP LOCKED, so several wallet instances
 * share the work without publishing the same row at the same time; if a row is published twice
 * anyway (a crash between ack and delete), JetStream drops the copy by its Nats-Msg-Id.
 */
import { encodeWithdrawalRequested, requestMessageId, type Topology } from "@wallet/messages";
import type { Logger } from "@wallet/logger";
import type { OutboxEntry, SettlementStore } from "../db/settlement-store.js";
import type { NatsLink } from "./nats-link.js";

export interface OutboxRelaySettings {
  batchMax: number;
  sweepIntervalMs: number;
  publishTimeoutMs: number;
}

export interface OutboxRelay {
  /** A withdrawal committed: publish now. */
  notify(): void;
  stop(): Promise<void>;
}

export interface RelayObserver {
  onPublished(count: number): void;
  onPublishFailed(count: number): void;
}

export function startOutboxRelay(deps: {
  store: SettlementStore;
  nats: NatsLink;
  topology: Topology;
  settings: OutboxRelaySettings;
  logger: Logger;
  observer?: RelayObserver;
}): OutboxRelay {
  const { store, nats, topology, settings, logger } = deps;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function publish(entry: OutboxEntry): Promise<void> {
    const ready = nats.ready();
    if (!ready || !nats.connected()) throw new Error("nats is not connected");
    const ack = await ready.js.publish(topology.requestSubject, encodeWithdrawalRequested(entry), {
      msgID: requestMessageId(entry.transactionId, entry.attempt),
      timeout: settings.publishTimeoutMs,
    });
    if (ack.duplicate) logger.info({ transactionId: entry.transactionId }, "outbox row was already published; dropped as duplicate");
  }

  /** Publishes batches until the outbox is empty or publishing fails. */
  async function drain(): Promise<void> {
    while (!stopped && nats.connected() && nats.ready()) {
      const batch = await store.claimOutbox(settings.batchMax);
      if (!batch) return;
      const results = await Promise.allSettled(batch.entries.map(publish));
      const published: OutboxEntry[] = [];
      const failed: { entry: OutboxEntry; error: string }[] = [];
      results.forEach((result, i) => {
        const entry = batch.entries[i]!;
        if (result.status === "fulfilled") published.push(entry);
        else failed.push({ entry, error: String(result.reason) });
      });
      await batch.finish(published, failed);
      deps.observer?.onPublished(published.length);
      if (failed.length > 0) {
        deps.observer?.onPublishFailed(failed.length);
        logger.warn({ failed: failed.length, error: failed[0]?.error }, "outbox publish failed; the sweep retries");
        return;
      }
      if (batch.entries.length < settings.batchMax) return;
    }
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: unknown) => logger.warn({ err }, "outbox relay pass failed"))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const sweep = setInterval(kick, settings.sweepIntervalMs);
  void nats.whenReady().then(kick);
  kick();

  return {
    notify: kick,
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await running;
    },
  };
}
