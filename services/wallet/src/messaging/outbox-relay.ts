/**
 * Publishes outbox rows to JetStream. The fast path takes withdrawals straight from their commit
 * (`committed`), publishes them and deletes their rows in one statement per batch: no claiming
 * query, no polling delay. A periodic sweep claims what is left and older than
 * `sweepMinAgeMs` (a crash between commit and publish, a NATS outage, a failed publish, an
 * operator's retry of a parked withdrawal) with SKIP LOCKED, so several wallet instances share it
 * without publishing the same row at the same time. If a row is published twice anyway (the sweep
 * racing a slow fast path, or a crash between ack and delete), JetStream drops the copy by its
 * Nats-Msg-Id.
 */
import { encodeWithdrawalRequested, requestMessageId, type Topology, type WithdrawalRequested } from "@wallet/messages";
import type { Logger } from "@wallet/logger";
import type { SettlementStore } from "../db/settlement-store.js";
import type { NatsLink } from "./nats-link.js";

export interface OutboxRelaySettings {
  /** Rows published per pass, on either path; the fast path holds at most twice this many. */
  batchMax: number;
  sweepIntervalMs: number;
  /** The sweep leaves younger rows to the fast path of the wallet that committed them. */
  sweepMinAgeMs: number;
  publishTimeoutMs: number;
}

export interface OutboxRelay {
  /** Withdrawals whose outbox rows just committed: publish them now. */
  committed(entries: readonly WithdrawalRequested[]): void;
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
  let sweeping: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const fresh: WithdrawalRequested[] = [];
  let publishingFresh: Promise<void> | undefined;

  function connectedJetStream() {
    const ready = nats.ready();
    return ready && nats.connected() ? ready.js : undefined;
  }

  async function publish(entry: WithdrawalRequested): Promise<void> {
    const js = connectedJetStream();
    if (!js) throw new Error("nats is not connected");
    const ack = await js.publish(topology.requestSubject, encodeWithdrawalRequested(entry), {
      msgID: requestMessageId(entry.transactionId, entry.attempt),
      timeout: settings.publishTimeoutMs,
    });
    if (ack.duplicate) logger.info({ transactionId: entry.transactionId }, "outbox row was already published; dropped as duplicate");
  }

  /** Publishes a batch; reports and returns what JetStream acknowledged and what failed. */
  async function publishAll<E extends WithdrawalRequested>(entries: E[]): Promise<{ published: E[]; failed: { entry: E; error: string }[] }> {
    const results = await Promise.allSettled(entries.map(publish));
    const published: E[] = [];
    const failed: { entry: E; error: string }[] = [];
    results.forEach((result, i) => {
      const entry = entries[i]!;
      if (result.status === "fulfilled") published.push(entry);
      else failed.push({ entry, error: String(result.reason) });
    });
    deps.observer?.onPublished(published.length);
    if (failed.length > 0) {
      deps.observer?.onPublishFailed(failed.length);
      logger.warn({ failed: failed.length, error: failed[0]?.error }, "outbox publish failed; the sweep retries");
    }
    return { published, failed };
  }

  function committed(entries: readonly WithdrawalRequested[]): void {
    if (stopped) return;
    // Bounded; what does not fit stays in the outbox for the sweep, which finds it there anyway.
    fresh.push(...entries.slice(0, Math.max(0, 2 * settings.batchMax - fresh.length)));
    if (publishingFresh) return;
    // setImmediate, not a timer: withdrawals committed in the same I/O turn share a batch.
    publishingFresh = new Promise<void>((resolve) => setImmediate(resolve)).then(publishFresh);
  }

  async function publishFresh(): Promise<void> {
    try {
      while (fresh.length > 0 && !stopped) {
        if (!connectedJetStream()) {
          // NATS is down: the rows are in the outbox, and the sweep publishes them when it is back.
          fresh.length = 0;
          return;
        }
        const { published } = await publishAll(fresh.splice(0, settings.batchMax));
        await store.deletePublished(published).catch((err: unknown) =>
          logger.warn({ err, rows: published.length }, "published outbox rows not deleted; the sweep republishes them and JetStream drops the copies"),
        );
      }
    } catch (err) {
      logger.warn({ err }, "outbox fast path failed; the sweep publishes what is left");
    } finally {
      // Synchronously after the last check of `fresh`, so no committed withdrawal is left waiting.
      publishingFresh = undefined;
    }
  }

  /** Sweeps batches until no old enough row is left or publishing fails. */
  async function sweep(): Promise<void> {
    while (!stopped && connectedJetStream()) {
      const batch = await store.claimOutbox(settings.batchMax, settings.sweepMinAgeMs);
      if (!batch) return;
      const { published, failed } = await publishAll(batch.entries);
      await batch.finish(published, failed);
      if (failed.length > 0 || batch.entries.length < settings.batchMax) return;
    }
  }

  function kick(): void {
    if (stopped) return;
    if (sweeping) {
      again = true;
      return;
    }
    sweeping = sweep()
      .catch((err: unknown) => logger.warn({ err }, "outbox sweep failed"))
      .finally(() => {
        sweeping = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const sweepTimer = setInterval(kick, settings.sweepIntervalMs);
  void nats.whenReady().then(kick);
  kick();

  return {
    committed,
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      await Promise.all([sweeping, publishingFresh]);
    },
  };
}
