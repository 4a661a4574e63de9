import { describe, expect, it } from "vitest";
import type { Behaviour } from "./behaviour.js";
import { pickLatencyMs, pickOutcome, type Outcome } from "./outcome.js";
import { createRandom } from "./random.js";

const calm: Behaviour = {
  latencyMsMin: 20,
  latencyMsMax: 200,
  rejectRate: 0,
  errorRate: 0,
  hangRate: 0,
  lostResponseRate: 0,
};

function tally(behaviour: Behaviour, draws: number, seed: number): Record<Outcome, number> {
  const random = createRandom(seed);
  const counts: Record<Outcome, number> = {
    paid: 0,
    rejected: 0,
    error: 0,
    hang: 0,
    lost_response: 0,
  };
  for (let i = 0; i < draws; i++) counts[pickOutcome(behaviour, random)] += 1;
  return counts;
}

describe("pickOutcome", () => {
  it("pays everything when every rate is 0", () => {
    expect(tally(calm, 1_000, 1)).toEqual({
      paid: 1_000,
      rejected: 0,
      error: 0,
      hang: 0,
      lost_response: 0,
    });
  });

  it("gives each outcome its configured share", () => {
    const counts = tally(
      { ...calm, rejectRate: 0.1, errorRate: 0.2, hangRate: 0.05, lostResponseRate: 0.15 },
      20_000,
      7,
    );
    expect(counts.rejected / 20_000).toBeCloseTo(0.1, 1);
    expect(counts.error / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.hang / 20_000).toBeCloseTo(0.05, 1);
    expect(counts.lost_response / 20_000).toBeCloseTo(0.15, 1);
    expect(counts.paid / 20_000).toBeCloseTo(0.5, 1);
  });

  it("always takes an outcome whose rate is 1", () => {
    expect(tally({ ...calm, hangRate: 1 }, 500, 3).hang).toBe(500);
    expect(tally({ ...calm, lostResponseRate: 1 }, 500, 3).lost_response).toBe(500);
  });
});

describe("createRandom", () => {
  it("repeats the same sequence for the same seed and differs for another", () => {
    const first = createRandom(42);
    const second = createRandom(42);
    const other = createRandom(43);
    const a = Array.from({ length: 5 }, () => first());
    expect(Array.from({ length: 5 }, () => second())).toEqual(a);
    expect(Array.from({ length: 5 }, () => other())).not.toEqual(a);
    for (const value of a) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("pickLatencyMs", () => {
  it("stays within [min, max] and reaches both ends", () => {
    const random = createRandom(5);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const latencyMs = pickLatencyMs({ ...calm, latencyMsMin: 3, latencyMsMax: 6 }, random);
      expect(Number.isInteger(latencyMs)).toBe(true);
      seen.add(latencyMs);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("is exact when min equals max", () => {
    expect(pickLatencyMs({ ...calm, latencyMsMin: 9, latencyMsMax: 9 }, createRandom(1))).toBe(9);
  });
});
