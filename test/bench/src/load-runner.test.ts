import { describe, expect, it } from "vitest";
import { splitShape } from "./load-runner.js";

describe("splitting load over generators", () => {
  it("gives each generator its share of the callers, the first ones the remainder", () => {
    expect(splitShape({ kind: "closed", concurrency: 64 }, 2)).toEqual([
      { kind: "closed", concurrency: 32 },
      { kind: "closed", concurrency: 32 },
    ]);
    expect(splitShape({ kind: "closed", concurrency: 5 }, 3).map((shape) => (shape.kind === "closed" ? shape.concurrency : 0))).toEqual([2, 2, 1]);
  });

  it("splits an open-loop rate evenly and never lowers the total in-flight bound", () => {
    expect(splitShape({ kind: "open", ratePerSec: 500, inFlightMax: 255 }, 2)).toEqual([
      { kind: "open", ratePerSec: 250, inFlightMax: 128 },
      { kind: "open", ratePerSec: 250, inFlightMax: 128 },
    ]);
  });
});
