import { describe, expect, it } from "vitest";
import { takeDistinct } from "./take-distinct.js";

const item = (key: string, n: number) => ({ key, n });
const take = (queue: ReturnType<typeof item>[], max: number) => takeDistinct(queue, max, (i) => i.key).map((i) => i.n);

describe("takeDistinct", () => {
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
});
