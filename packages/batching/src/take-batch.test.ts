import { describe, expect, it } from "vitest";
import { takeBatch } from "./take-batch.js";

const item = (key: string, n: number) => ({ key, n });
const take = (queue: ReturnType<typeof item>[], max: number, repeats: "wait" | "join" = "wait") =>
  takeBatch(queue, max, (i) => i.key, repeats).map((i) => i.n);

describe("takeBatch", () => {
  it("takes up to max from the front and leaves the rest in order", () => {
    const queue = [item("a", 1), item("b", 2), item("c", 3)];
    expect(take(queue, 2)).toEqual([1, 2]);
    expect(queue.map((i) => i.n)).toEqual([3]);
  });

  it("never puts two items with one key in a batch; the later one waits, in order", () => {
    const queue = [item("a", 1), item("a", 2), item("b", 3), item("a", 4)];
    expect(take(queue, 10)).toEqual([1, 3]);
    expect(queue.map((i) => i.n)).toEqual([2, 4]);
    expect(take(queue, 10)).toEqual([2]);
    expect(take(queue, 10)).toEqual([4]);
    expect(queue).toEqual([]);
  });

  it("lets repeats join the batch when asked, counting only distinct keys against the bound", () => {
    const queue = [item("a", 1), item("b", 2), item("a", 3), item("c", 4), item("a", 5)];
    expect(take(queue, 2, "join")).toEqual([1, 2, 3]);
    expect(queue.map((i) => i.n)).toEqual([4, 5]);
  });
});
