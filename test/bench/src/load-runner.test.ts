import { describe, expect, it } from "vitest";
import { openLoopRatePerGeneratorMax, splitShape } from "./load-runner.js";

describe("splitting load over generators", () => {
  it("gives each generator its share of the callers, the first ones the remainder", () => {
    expect(splitShape({ kind: "closed", concurrency: 64 }, 2)).toEqual([
      { kind: "closed", concurrency: 32 },
      { kind: "closed", concurrency: 32 },
    ]);
    expect(
      splitShape({ kind: "closed", concurrency: 5 }, 3).map((shape) =>
        shape.kind === "closed" ? shape.concurrency : 0,
      ),
    ).toEqual([2, 2, 1]);
  });

  it("splits an open-loop rate evenly and never lowers the total in-flight bound", () => {
    const rateMax = openLoopRatePerGeneratorMax;
    expect(splitShape({ kind: "open", ratePerSec: 2.4 * rateMax, inFlightMax: 255 }, 2)).toEqual([
      { kind: "open", ratePerSec: 1.2 * rateMax, inFlightMax: 128 },
      { kind: "open", ratePerSec: 1.2 * rateMax, inFlightMax: 128 },
    ]);
  });

  it("gives an open loop only as many generators as its rate needs", () => {
    expect(
      splitShape({ kind: "open", ratePerSec: openLoopRatePerGeneratorMax, inFlightMax: 255 }, 2),
    ).toEqual([{ kind: "open", ratePerSec: openLoopRatePerGeneratorMax, inFlightMax: 255 }]);
    expect(
      splitShape(
        { kind: "open", ratePerSec: 2.5 * openLoopRatePerGeneratorMax, inFlightMax: 300 },
        2,
      ),
    ).toHaveLength(2);
    expect(
      splitShape(
        { kind: "open", ratePerSec: 2.5 * openLoopRatePerGeneratorMax, inFlightMax: 300 },
        4,
      ),
    ).toHaveLength(3);
  });
});
