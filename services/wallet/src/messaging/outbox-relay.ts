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
import {
  encodeWithdrawalRequested,
  requestMessageId,
  type Topology,
  type WithdrawalRequested,
} from "@wallet/messages";
import { createMicroBatcher } from "@wallet/batching";
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
  // Bounded; what does not fit stays in the outbox for the sweep, which finds it there anyway.
  const fresh = createMicroBatcher<WithdrawalRequested, undefined>({
    batchMax: settings.batchMax,
    queueMax: 2 * settings.batchMax,
    run: async (entries) => {
      await publishFresh(entries);
      return entries.map(() => ({ ok: true, value: undefined }));
    },
    overloaded: () => new Error("fast path full"),
  });

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
    if (ack.duplicate)
      logger.info(
        { transactionId: entry.transactionId },
        "outbox row was already published; dropped as duplicate",
      );
  }

  /** Publishes a batch; reports and returns what JetStream acknowledged and what failed. */
  async function publishAll<E extends WithdrawalRequested>(
    entries: E[],
  ): Promise<{ published: E[]; failed: { entry: E; error: string }[] }> {
    const settled = await Promise.all(
      entries.map((entry) =>
        publish(entry).then(
          () => ({ entry, error: undefined }),
          (err: unknown) => ({ entry, error: String(err) }),
        ),
      ),
    );
    const published: E[] = [];
    const failed: { entry: E; error: string }[] = [];
    for (const { entry, error } of settled) {
      if (error === undefined) published.push(entry);
      else failed.push({ entry, error });
    }
    deps.observer?.onPublished(published.length);
    if (failed.length > 0) {
      deps.observer?.onPublishFailed(failed.length);
      logger.warn(
        { failed: failed.length, error: failed[0]?.error },
        "outbox publish failed; the sweep retries",
      );
    }
    return { published, failed };
  }

  function committed(entries: readonly WithdrawalRequested[]): void {
    if (stopped) return;
    for (const entry of entries) fresh.submit(entry).catch(() => undefined);
  }

  async function publishFresh(entries: WithdrawalRequested[]): Promise<void> {
    // NATS is down, or the relay stopping: the rows are in the outbox, and the sweep publishes them.
    if (stopped || !connectedJetStream()) return;
    try {
      const { published } = await publishAll(entries);
      await store
        .deletePublished(published)
        .catch((err: unknown) =>
          logger.warn(
            { err, rows: published.length },
            "published outbox rows not deleted; the sweep republishes them and JetStream drops the copies",
          ),
        );
    } catch (err) {
      logger.warn({ err }, "outbox fast path failed; the sweep publishes what is left");
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
      await Promise.all([sweeping, fresh.drained()]);
    },
  };
}
