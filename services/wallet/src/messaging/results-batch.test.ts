import { describe, expect, it } from "vitest";
import { takeBatch } from "./results-consumer.js";

const item = (transactionId: string, n: number) => ({ result: { transactionId }, n });

describe("takeBatch", () => {
  it("takes up to max from the front and leaves the rest in order", () => {
    const waiting = [item("a", 1), item("b", 2), item("c", 3)];
    expect(takeBatch(waiting, 2).map((i) => i.n)).toEqual([1, 2]);
    expect(waiting.map((i) => i.n)).toEqual([3]);
  });

  it("never puts two results for one withdrawal in a batch; the later one waits, in order", () => {
    const waiting = [item("a", 1), item("a", 2), item("b", 3), item("a", 4)];
    expect(takeBatch(waiting, 10).map((i) => i.n)).toEqual([1, 3]);
    expect(waiting.map((i) => i.n)).toEqual([2, 4]);
    expect(takeBatch(waiting, 10).map((i) => i.n)).toEqual([2]);
    expect(takeBatch(waiting, 10).map((i) => i.n)).toEqual([4]);
    expect(waiting).toEqual([]);
  });
});
