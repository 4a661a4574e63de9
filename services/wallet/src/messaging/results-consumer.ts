/**
 * Applies settlement results from JetStream, many per statement, then acks them. While one batch
 * is in the database the next gathers (no timer wait). A duplicate or late result changes nothing
 * and is acked too; a batch that fails on a database error is naked with a delay so it comes back;
 * a malformed result is terminated (it can never succeed). Two results for the same withdrawal
 * never share a batch: the later one waits for the next, so they apply in the order they came.
 */
import {
  decodeWithdrawalResult,
  ensureConsumer,
  MessageFormatError,
  type ConsumerLimits,
  type Topology,
  type WithdrawalResult,
} from "@wallet/messages";
import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@wallet/logger";
import type { ApplyOutcome, SettlementStore } from "../db/settlement-store.js";
import { createMicroBatcher } from "@wallet/batching";
import { present } from "../domain/assert.js";
import type { NatsLink } from "./nats-link.js";

export interface ResultsConsumerSettings extends ConsumerLimits {
  /** Results applied in one statement. An instance holds at most three batches unacked: one in the database, one gathering, one pulled. */
  batchMax: number;
  /** Delay before a result whose apply failed is redelivered. */
  retryDelayMs: number;
}

export interface ResultsObserver {
  onResult(outcome: string, applied: ApplyOutcome | "poison" | "retry", redelivered: boolean): void;
}

export interface ResultsConsumer {
  stop(): Promise<void>;
}

export function startResultsConsumer(deps: {
  store: SettlementStore;
  nats: NatsLink;
  topology: Topology;
  settings: ResultsConsumerSettings;
  logger: Logger;
  observer?: ResultsObserver;
}): ResultsConsumer {
  const { store, nats, topology, settings, logger } = deps;
  let messages: ConsumerMessages | undefined;
  let stopped = false;
  let roomFreed: (() => void) | undefined;
  const applier = createMicroBatcher<Received, undefined>({
    batchMax: settings.batchMax,
    // The consumer pauses at batchMax waiting (below); a pull in flight may add one more batch.
    queueMax: 2 * settings.batchMax,
    // Two results for one withdrawal never share a batch: the later waits, so they apply in order.
    keyOf: (received) => received.result.transactionId,
    run: async (batch) => {
      await applyBatch(batch);
      return batch.map(() => ({ ok: true, value: undefined }));
    },
    overloaded: () => new Error("results queue full"),
    onBatchTaken: freeRoom,
  });

  function freeRoom(): void {
    const resolve = roomFreed;
    roomFreed = undefined;
    resolve?.();
  }

  function receive(msg: JsMsg): void {
    const redelivered = msg.info.deliveryCount > 1;
    let received: Received;
    try {
      received = { msg, result: decodeWithdrawalResult(msg.data), redelivered };
    } catch (err) {
      if (!(err instanceof MessageFormatError)) throw err;
      logger.error({ err, seq: msg.seq }, "malformed settlement result, terminating it");
      deps.observer?.onResult("unknown", "poison", redelivered);
      msg.term(err.message);
      return;
    }
    applier.submit(received).catch((err: unknown) => {
      // Unacked, the result is redelivered after the delay.
      logger.error(
        { err, transactionId: received.result.transactionId },
        "applying a settlement result failed; it will be redelivered",
      );
      msg.nak(settings.retryDelayMs);
    });
  }

  async function applyBatch(batch: Received[]): Promise<void> {
    let outcomes: ApplyOutcome[];
    try {
      outcomes = await store.applyResults(batch.map((item) => item.result));
    } catch (err) {
      logger.warn({ err, results: batch.length }, "could not apply settlement results, will retry");
      for (const { msg, result, redelivered } of batch) {
        deps.observer?.onResult(result.outcome, "retry", redelivered);
        msg.nak(settings.retryDelayMs);
      }
      return;
    }
    batch.forEach(({ msg, result, redelivered }, i) => {
      const applied = present(outcomes[i], "the outcome of an applied result");
      msg.ack();
      deps.observer?.onResult(result.outcome, applied, redelivered);
      logApplied(result, applied);
    });
  }

  /**
   * A completion is the common case and its row records it (status, bank reference, time), so
   * its line is debug, like a charge's; a refund, a parking and a result that changed nothing are
   * the ones an operator asks about, at info (docs/decisions/2026-11-27-log-lines-per-operation.md).
   */
  function logApplied(result: WithdrawalResult, applied: ApplyOutcome): void {
    const fields = { transactionId: result.transactionId, outcome: result.outcome };
    if (applied !== "applied")
      logger.info(fields, "settlement result changed nothing (duplicate or late)");
    else if (result.outcome === "completed")
      logger.debug({ ...fields, bankReference: result.bankReference }, "settlement result applied");
    else
      logger.info(
        { ...fields, bankReference: result.bankReference, reason: result.reason },
        "settlement result applied",
      );
  }

  async function consumeOnce(): Promise<void> {
    const { js, jsm } = await nats.whenReady();
    await ensureConsumer(
      jsm,
      topology.resultStream,
      topology.resultsConsumer,
      topology.resultSubject,
      settings,
    );
    const consumer = await js.consumers.get(topology.resultStream, topology.resultsConsumer);
    messages = await consumer.consume({ max_messages: settings.batchMax });
    if (stopped) await messages.close();
    for await (const msg of messages) {
      receive(msg);
      // Bounded: while a full batch waits, stop taking messages until the next batch starts.
      if (applier.waiting() >= settings.batchMax)
        await new Promise<void>((resolve) => (roomFreed = resolve));
    }
  }

  void (async () => {
    while (!stopped) {
      await consumeOnce().catch((err: unknown) => {
        if (!stopped) logger.warn({ err }, "results consumer interrupted, restarting");
      });
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await messages?.close();
      freeRoom();
      await applier.drained();
    },
  };
}

interface Received {
  msg: JsMsg;
  result: WithdrawalResult;
  redelivered: boolean;
}
