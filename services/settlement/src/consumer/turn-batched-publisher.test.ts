import type { WithdrawalResult } from "@wallet/messages";
import { describe, expect, it } from "vitest";
import { createTurnBatchedPublisher, type SendResult } from "./turn-batched-publisher.js";

const resultFor = (transactionId: string): WithdrawalResult => ({
  transactionId,
  outcome: "completed",
  bankReference: `bank-${transactionId}`,
  bankCalls: 1,
});

/**
 * A sender that counts socket writes the way nats.js makes them: everything sent before the next
 * microtask checkpoint goes out in one write.
 */
function writeCountingSender(
  fail: (messageId: string) => "reject" | "throw" | undefined = () => undefined,
) {
  const writes: string[][] = [];
  let open: string[] | undefined;
  const send: SendResult = (_result, messageId) => {
    if (!open) {
      const write: string[] = [];
      open = write;
      writes.push(write);
      queueMicrotask(() => (open = undefined));
    }
    open.push(messageId);
    const failure = fail(messageId);
    if (failure === "throw") throw new Error(`cannot send ${messageId}`);
    return failure === "reject"
      ? Promise.reject(new Error(`no PubAck for ${messageId}`))
      : Promise.resolve();
  };
  return { send, writes };
}

/**
 * Runs each callback as its own macrotask of one event-loop phase, as separate bank responses
 * arrive. Immediates queued together all run in the same check phase (timers of 0 ms can straddle
 * a millisecond and land in two turns); an immediate the publisher queues meanwhile runs in the
 * next turn. Each outcome is taken as soon as its publish starts, so a result refused before the
 * last callback ran is never an unhandled rejection.
 */
function inSeparateCallbacks<T>(
  callbacks: (() => Promise<T>)[],
): Promise<PromiseSettledResult<T>[]> {
  const settle = (published: Promise<T>): Promise<PromiseSettledResult<T>> =>
    published.then(
      (value) => ({ status: "fulfilled", value }),
      (reason: unknown) => ({ status: "rejected", reason }),
    );
  // Wrapped, so that the outer promise does not adopt (and wait for) the publish it started.
  const started = callbacks.map(
    (callback) =>
      new Promise<{ outcome: Promise<PromiseSettledResult<T>> }>((resolve) =>
        setImmediate(() => resolve({ outcome: settle(callback()) })),
      ),
  );
  return Promise.all(started).then((calls) => Promise.all(calls.map((call) => call.outcome)));
}

describe("turn-batched result publisher", () => {
  it("sends results published from separate callbacks of one turn in one write", async () => {
    const { send, writes } = writeCountingSender();
    const publisher = createTurnBatchedPublisher(send, 64);

    const outcomes = await inSeparateCallbacks(
      ["a", "b", "c"].map((id) => () => publisher.publish(resultFor(id), `result-${id}`)),
    );

    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(writes).toEqual([["result-a", "result-b", "result-c"]]);
  });

  it("answers a turn's results together, so the acks that follow share one write", async () => {
    const { send: sendAck, writes: ackWrites } = writeCountingSender();
    // PubAcks that arrive at different times, the last well after the first.
    const pubAckDelayMs: Record<string, number> = { "result-a": 0, "result-b": 20, "result-c": 5 };
    const publisher = createTurnBatchedPublisher(
      (_result, messageId) =>
        new Promise((resolve) => setTimeout(resolve, pubAckDelayMs[messageId])),
      64,
    );

    await inSeparateCallbacks(
      ["a", "b", "c"].map((id) => async () => {
        await publisher.publish(resultFor(id), `result-${id}`);
        await sendAck(resultFor(id), `ack-${id}`);
      }),
    );

    expect(ackWrites).toEqual([["ack-a", "ack-b", "ack-c"]]);
  });

  it("sends results published in a later turn in a write of their own", async () => {
    const { send, writes } = writeCountingSender();
    const publisher = createTurnBatchedPublisher(send, 64);

    await publisher.publish(resultFor("a"), "result-a");
    await publisher.publish(resultFor("b"), "result-b");

    expect(writes).toEqual([["result-a"], ["result-b"]]);
  });

  it("gives each result its own outcome: a refused or throwing send fails only its own", async () => {
    const { send } = writeCountingSender((messageId) =>
      messageId === "result-b" ? "reject" : messageId === "result-c" ? "throw" : undefined,
    );
    const publisher = createTurnBatchedPublisher(send, 64);

    const outcomes = await inSeparateCallbacks(
      ["a", "b", "c", "d"].map((id) => () => publisher.publish(resultFor(id), `result-${id}`)),
    );

    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
    const reasons = outcomes.map((o) =>
      o.status === "rejected" ? (o.reason as Error).message : undefined,
    );
    expect(reasons).toEqual([
      undefined,
      "no PubAck for result-b",
      "cannot send result-c",
      undefined,
    ]);
  });
});
