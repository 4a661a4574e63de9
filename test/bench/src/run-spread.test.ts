import { describe, expect, it } from "vitest";
import { spreadOf } from "./run-spread.js";

describe("spread over runs", () => {
  it("takes the middle value of an odd number of runs, and the mean of the middle two of an even one", () => {
    expect(spreadOf([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, samples: 3 });
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, samples: 4 });
  });

  it("ignores runs that could not produce the figure", () => {
    expect(spreadOf([undefined, 7, Number.NaN])).toEqual({ median: 7, min: 7, max: 7, samples: 1 });
    expect(spreadOf([undefined])).toBeUndefined();
  });
});
