import { describe, expect, it } from "vitest";
import { createMicroBatcher, type BatchOutcome } from "./micro-batcher.js";

const ok = <O>(value: O): BatchOutcome<O> => ({ ok: true, value });
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A batcher whose batches are recorded and answered when the test says so. */
function recorded(
  options: {
    batchMax?: number;
    queueMax?: number;
    inFlightMax?: number;
    keyOf?: (n: number) => string;
    repeats?: "wait" | "join";
  } = {},
) {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  let taken = 0;
  const batcher = createMicroBatcher<number, number>({
    batchMax: options.batchMax ?? 100,
    queueMax: options.queueMax ?? 100,
    inFlightMax: options.inFlightMax,
    keyOf: options.keyOf,
    repeats: options.repeats,
    overloaded: () => new Error("overloaded"),
    onBatchTaken: () => (taken += 1),
    run: async (batch) => {
      batches.push(batch);
      await new Promise<void>((resolve) => release.push(resolve));
      return batch.map((n) => ok(n * 10));
    },
  });
  const releaseNext = () => release.shift()?.();
  /** Answers the oldest running batch and lets the next one start. */
  const answerNext = async () => {
    releaseNext();
    await turn();
    await turn();
  };
  return { batcher, batches, releaseNext, answerNext, taken: () => taken };
}

describe("the micro-batcher", () => {
  it("puts everything submitted in one turn into one batch, and answers each item its own outcome", async () => {
    const { batcher, batches, releaseNext } = recorded();
    const answers = [1, 2, 3].map((n) => batcher.submit(n));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    releaseNext();
    expect(await Promise.all(answers)).toEqual([10, 20, 30]);
  });

  it("gathers the next batch while one runs, and starts it when that one is answered", async () => {
    const { batcher, batches, releaseNext, taken } = recorded();
    const first = batcher.submit(1);
    await turn();
    const later = [batcher.submit(2), batcher.submit(3)];
    await turn();
    expect(batches).toEqual([[1]]);
    releaseNext();
    await first;
    await turn();
    await turn();
    expect(batches).toEqual([[1], [2, 3]]);
    expect(taken()).toBe(2);
    releaseNext();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it("runs up to inFlightMax batches at once", async () => {
    const { batcher, batches, releaseNext, answerNext } = recorded({ inFlightMax: 2 });
    void batcher.submit(1);
    await turn();
    void batcher.submit(2);
    await turn();
    void batcher.submit(3);
    await turn();
    expect(batches).toEqual([[1], [2]]);
    await answerNext();
    expect(batches).toEqual([[1], [2], [3]]);
    releaseNext();
    releaseNext();
  });

  it("refuses an item past the queue bound without queueing it", async () => {
    const { batcher, batches, releaseNext } = recorded({ queueMax: 2 });
    const answers = [1, 2, 3].map((n) =>
      batcher.submit(n).catch((err: unknown) => (err as Error).message),
    );
    await turn();
    expect(batches).toEqual([[1, 2]]);
    releaseNext();
    expect(await Promise.all(answers)).toEqual([10, 20, "overloaded"]);
  });

  it("takes at most batchMax items, the rest waiting in order", async () => {
    const { batcher, batches, answerNext } = recorded({ batchMax: 2 });
    const answers = [1, 2, 3].map((n) => batcher.submit(n));
    await turn();
    await answerNext();
    await answerNext();
    await Promise.all(answers);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("keeps two items of one key out of one batch, in their order", async () => {
    const { batcher, batches, answerNext } = recorded({ keyOf: (n) => String(n % 2) });
    const answers = [1, 3, 2, 5].map((n) => batcher.submit(n));
    await turn();
    await answerNext();
    await answerNext();
    await answerNext();
    await Promise.all(answers);
    expect(batches).toEqual([[1, 2], [3], [5]]);
  });

  it("lets repeats of a key join one batch when asked", async () => {
    const { batcher, batches, answerNext } = recorded({
      batchMax: 1,
      keyOf: (n) => String(n % 2),
      repeats: "join",
    });
    const answers = [1, 3, 2].map((n) => batcher.submit(n));
    await turn();
    await answerNext();
    await answerNext();
    await Promise.all(answers);
    expect(batches).toEqual([[1, 3], [2]]);
  });

  it("rejects every item of a batch whose run threw, and serves the next batch", async () => {
    let fail = true;
    const batcher = createMicroBatcher<number, number>({
      batchMax: 10,
      queueMax: 10,
      overloaded: () => new Error("overloaded"),
      run: async (batch) => {
        if (fail) throw new Error("database gone");
        return batch.map((n) => ok(n));
      },
    });
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual([
      "database gone",
      "database gone",
    ]);
    fail = false;
    expect(await batcher.submit(3)).toBe(3);
  });

  it("rejects a batch answered with the wrong number of outcomes instead of guessing", async () => {
    const batcher = createMicroBatcher<number, number>({
      batchMax: 10,
      queueMax: 10,
      overloaded: () => new Error("overloaded"),
      run: async () => [ok(1)],
    });
    const outcomes = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
  });

  it("says when nothing waits and nothing runs", async () => {
    const { batcher, answerNext } = recorded();
    await batcher.drained();
    void batcher.submit(1);
    let drained = false;
    void batcher.drained().then(() => (drained = true));
    await turn();
    expect(drained).toBe(false);
    expect(batcher.waiting()).toBe(0);
    await answerNext();
    expect(drained).toBe(true);
  });
});
