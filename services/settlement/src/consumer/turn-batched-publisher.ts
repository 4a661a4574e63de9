/**
 * Sends the results published within one event-loop turn together, so they share one socket
 * write to NATS.
 *
 * nats.js writes everything queued within one microtask turn with one write, but each worker
 * publishes from the callback of its own bank response, so without this every result cost a
 * write of its own, and so did the ack that follows its PubAck. Workers finish in bursts (they
 * start together and the bank answers them together), and those socket writes were the largest
 * cost of settling a withdrawal: 27% of settlement's CPU under withdraw-e2e, which then delayed
 * the bank responses of the rest of the burst. Deferring the sends to the end of the turn
 * (setImmediate, not a timer) lets every result whose bank response was read in that turn go out
 * in one write. The batch's publishers are answered together, once all its PubAcks are in, so
 * the acks that follow share a write too.
 *
 * It adds no bound of its own: each worker waits for its result, so at most `workers` results wait.
 */
import type { WithdrawalResult } from "@wallet/messages";
import type { ResultPublisher } from "./settle-message.js";

/** Publishes one result and resolves on JetStream's PubAck. */
export type SendResult = (result: WithdrawalResult, messageId: string) => Promise<void>;

interface WaitingResult {
  result: WithdrawalResult;
  messageId: string;
  resolve(): void;
  reject(err: unknown): void;
}

export function createTurnBatchedPublisher(send: SendResult): ResultPublisher {
  let waiting: WaitingResult[] = [];

  function sendWaiting(): void {
    const batch = waiting;
    waiting = [];
    // A synchronous throw must fail this result only, never the rest of the batch.
    const sends = batch.map((item) => new Promise<void>((resolve) => resolve(send(item.result, item.messageId))));
    // Answered together, once every PubAck of the batch is in: the workers then ack their
    // requests in the same microtask run, which nats.js sends as one write.
    void Promise.allSettled(sends).then((outcomes) =>
      outcomes.forEach((outcome, i) => (outcome.status === "fulfilled" ? batch[i]!.resolve() : batch[i]!.reject(outcome.reason))),
    );
  }

  return {
    publish(result, messageId) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ result, messageId, resolve, reject });
        if (waiting.length === 1) setImmediate(sendWaiting);
      });
    },
  };
}
