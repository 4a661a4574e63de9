/**
 * Applies settlement results from JetStream, each in one guarded statement, then acks. A
 * duplicate or late result changes nothing and is acked too; a database error naks the message
 * with a delay so it comes back; a malformed one is terminated (it can never succeed).
 */
import { decodeWithdrawalResult, ensureConsumer, MessageFormatError, type ConsumerLimits, type Topology } from "@wallet/messages";
import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@wallet/logger";
import type { ApplyOutcome, SettlementStore } from "../db/settlement-store.js";
import type { NatsLink } from "./nats-link.js";

export interface ResultsConsumerSettings extends ConsumerLimits {
  /** Results applied at once by this instance. */
  concurrency: number;
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
  const inFlight = new Set<Promise<void>>();

  async function handle(msg: JsMsg): Promise<void> {
    const redelivered = msg.info.deliveryCount > 1;
    let result;
    try {
      result = decodeWithdrawalResult(msg.data);
    } catch (err) {
      if (!(err instanceof MessageFormatError)) throw err;
      logger.error({ err, seq: msg.seq }, "malformed settlement result, terminating it");
      deps.observer?.onResult("unknown", "poison", redelivered);
      msg.term(err.message);
      return;
    }
    const log = logger.child({ transactionId: result.transactionId });
    try {
      const applied = await store.applyResult(result);
      msg.ack();
      deps.observer?.onResult(result.outcome, applied, redelivered);
      if (applied === "applied") log.info({ outcome: result.outcome, bankReference: result.bankReference, reason: result.reason }, "settlement result applied");
      else log.info({ outcome: result.outcome }, "settlement result changed nothing (duplicate or late)");
    } catch (err) {
      log.warn({ err }, "could not apply settlement result, will retry");
      deps.observer?.onResult(result.outcome, "retry", redelivered);
      msg.nak(settings.retryDelayMs);
    }
  }

  async function consumeOnce(): Promise<void> {
    const { js, jsm } = await nats.whenReady();
    await ensureConsumer(jsm, topology.resultStream, topology.resultsConsumer, topology.resultSubject, settings);
    const consumer = await js.consumers.get(topology.resultStream, topology.resultsConsumer);
    messages = await consumer.consume({ max_messages: settings.concurrency });
    if (stopped) await messages.close();
    for await (const msg of messages) {
      const task = handle(msg).finally(() => inFlight.delete(task));
      inFlight.add(task);
      // Bounded: never more than `concurrency` results in flight in this instance.
      if (inFlight.size >= settings.concurrency) await Promise.race(inFlight);
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
      await Promise.all(inFlight);
    },
  };
}
