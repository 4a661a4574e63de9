/**
 * Sends the results published within one event-loop turn together, so they share one socket
 * write to NATS.
 *
 * nats.js writes everything queued within one microtask turn with one write, but each worker
 * publishes from the callback of its own bank response, so without this every result cost a
 * write of its own, and so did the ack that follows its PubAck. Workers finish in bursts (they
 * start together and the bank answers them together), and those socket writes were the largest
 * cost of settling a withdrawal, which then delayed the bank responses of the rest of the burst
 * (docs/decisions/2026-11-27-withdrawal-pipeline-cpu.md). Deferring the sends to the end of the turn
 * (setImmediate, not a timer) lets every result whose bank response was read in that turn go out
 * in one write. The batch's publishers are answered together, once all its PubAcks are in, so
 * the acks that follow share a write too.
 *
 * It is the micro-batcher of @wallet/batching with batches allowed to overlap: a batch does not
 * wait for the previous one's PubAcks. Each worker waits for its result, so at most `workers`
 * results are queued or in flight, and that is its bound.
 */
import { createMicroBatcher } from "@wallet/batching";
import type { WithdrawalResult } from "@wallet/messages";
import type { ResultPublisher } from "./settle-message.js";

/** Publishes one result and resolves on JetStream's PubAck. */
export type SendResult = (result: WithdrawalResult, messageId: string) => Promise<void>;

export function createTurnBatchedPublisher(send: SendResult, workers: number): ResultPublisher {
  const publisher = createMicroBatcher<{ result: WithdrawalResult; messageId: string }, undefined>({
    batchMax: workers,
    queueMax: workers,
    inFlightMax: workers,
    overloaded: () => new Error("more results than workers are waiting to be published"),
    run: async (batch) => {
      // A synchronous throw must fail this result only, never the rest of the batch.
      const sends = batch.map(
        (item) => new Promise<void>((resolve) => resolve(send(item.result, item.messageId))),
      );
      // Answered together, once every PubAck of the batch is in: the workers then ack their
      // requests in the same microtask run, which nats.js sends as one write.
      const outcomes = await Promise.allSettled(sends);
      return outcomes.map((outcome) =>
        outcome.status === "fulfilled"
          ? { ok: true, value: undefined }
          : { ok: false, error: outcome.reason as unknown },
      );
    },
  });
  return { publish: (result, messageId) => publisher.submit({ result, messageId }) };
}
