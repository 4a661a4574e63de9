import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe("backoffDelayMs", () => {
  it("doubles the ceiling with each attempt and draws from its upper half", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999_999))).toEqual(
      [1_000, 2_000, 4_000, 8_000],
    );
  });

  it("never exceeds the maximum, however many attempts", () => {
    expect(backoffDelayMs(7, policy, () => 0.999_999)).toBe(60_000);
    expect(backoffDelayMs(1_000, policy, () => 0.999_999)).toBe(60_000);
    expect(backoffDelayMs(1_000, policy, () => 0)).toBe(30_000);
  });

  it("spreads the retries of withdrawals that failed together", () => {
    let seed = 1;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, policy, random)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(8_000);
      expect(delay).toBeLessThanOrEqual(16_000);
    }
  });

  it("refuses an attempt number that is not a positive integer", () => {
    expect(() => backoffDelayMs(0, policy)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5, policy)).toThrow(RangeError);
    expect(() => backoffDelayMs(1, { baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
