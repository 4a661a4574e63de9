import { describe, expect, it } from "vitest";
import type { ItemName } from "./catalogue.js";
import type { Measurement } from "./measurement.js";
import { comparisons, meets, targetDefinitions } from "./targets.js";

const measured = (
  name: string,
  opsPerSec: number,
  extra: Partial<Measurement> = {},
): Measurement => ({
  name,
  kind: "scenario",
  ok: true,
  durationMs: 10_000,
  operations: opsPerSec * 10,
  opsPerSec,
  errorsByCode: {},
  details: {},
  ...extra,
});

const viewOf = (measurements: Measurement[]) => (name: ItemName) =>
  measurements.find((measurement) => measurement.name === name);
const capacity = { nominalWithdrawalsPerSec: 500 };
const target = (id: string) => targetDefinitions.find((definition) => definition.id === id)!;

describe("targets", () => {
  it("divides each scenario by the baseline the issue names", () => {
    const view = viewOf([
      measured("charge-spread", 3000),
      measured("raw-sql-charge", 4000),
      measured("grpc-noop", 5000),
      measured("withdraw-e2e", 450),
    ]);
    expect(target("charge-spread-vs-raw-sql").value(view, capacity)).toBe(0.75);
    expect(target("withdraw-e2e-vs-capacity").value(view, capacity)).toBe(0.9);
    expect(
      target("balance-read-vs-grpc-noop").value(
        viewOf([measured("balance-read", 2500), measured("grpc-noop", 5000)]),
        capacity,
      ),
    ).toBe(0.5);
  });

  it("judges the withdrawal p99 both at the nominal capacity and in the steady state below it", () => {
    const latency = (p99: number) => ({ latencyMs: { p50: p99 / 2, p90: p99, p99, max: p99 } });
    const view = viewOf([
      measured("withdraw-e2e", 440, latency(2_000)),
      measured("withdraw-latency", 220, latency(150)),
    ]);
    expect(target("withdraw-e2e-p99").value(view, capacity)).toBe(2_000);
    expect(target("withdraw-latency-p99").value(view, capacity)).toBe(150);
  });

  it("cannot judge a ratio whose baseline did not run", () => {
    expect(
      target("charge-hot-vs-raw-sql-1stmt-hot").value(
        viewOf([measured("charge-hot", 1000)]),
        capacity,
      ),
    ).toBeUndefined();
  });

  it("takes a service's peak RSS as its highest over the run's scenarios", () => {
    const view = viewOf([
      measured("charge-spread", 1, { peakRssMb: { wallet: 120 } }),
      measured("mixed", 1, { peakRssMb: { wallet: 180, settlement: 90 } }),
      measured("withdraw-latency", 1, { peakRssMb: { settlement: 95 } }),
    ]);
    expect(target("peak-rss-wallet").value(view, capacity)).toBe(180);
    expect(target("peak-rss-settlement").value(view, capacity)).toBe(95);
    expect(target("peak-rss-bank-sim").value(view, capacity)).toBeUndefined();
  });

  it("has the issue's five goals (the seed's latency bounds as two), then the pipeline's and memory's", () => {
    expect(
      targetDefinitions.map(
        (definition) => `${definition.id} ${definition.comparator} ${definition.threshold}`,
      ),
    ).toEqual([
      "charge-spread-vs-raw-sql >= 1",
      "charge-hot-vs-raw-sql-1stmt-hot >= 2.5",
      "balance-read-vs-grpc-noop >= 0.5",
      "charge-latency-p99-vs-raw-sql <= 3",
      "charge-latency-p50 < 50",
      "charge-latency-p99 < 500",
      "withdraw-e2e-vs-capacity >= 0.9",
      "withdraw-e2e-p99 <= 300",
      "withdraw-latency-p99 <= 300",
      "peak-rss-wallet <= 200",
      "peak-rss-settlement <= 200",
      "peak-rss-bank-sim <= 200",
    ]);
  });

  it("judges charge-latency's p99 against raw SQL's p99 at the same rate, and its p50 and p99 against the seed's bounds", () => {
    const latency = (p50: number, p99: number) => ({ latencyMs: { p50, p90: p99, p99, max: p99 } });
    const view = viewOf([
      measured("charge-latency", 3000, latency(4, 40)),
      measured("raw-sql-charge-latency", 3000, latency(2, 100)),
    ]);
    expect(target("charge-latency-p99-vs-raw-sql").value(view, capacity)).toBe(0.4);
    expect(target("charge-latency-p50").value(view, capacity)).toBe(4);
    expect(target("charge-latency-p99").value(view, capacity)).toBe(40);
    expect(
      target("charge-latency-p99-vs-raw-sql").value(
        viewOf([measured("charge-latency", 3000, latency(4, 40))]),
        capacity,
      ),
    ).toBeUndefined();
  });

  it("holds a strict bound strictly: a p50 of exactly 50 ms misses the seed's < 50 ms", () => {
    expect(meets(target("charge-latency-p50"), 49.9)).toBe(true);
    expect(meets(target("charge-latency-p50"), 50)).toBe(false);
    expect(meets(target("charge-latency-p99-vs-raw-sql"), 3)).toBe(true);
    expect(meets(target("charge-spread-vs-raw-sql"), 0.99)).toBe(false);
  });

  it("compares grpc-noop offered charge-latency's rate with that rate", () => {
    const noop = { ...measured("grpc-noop-latency", 2900), details: { offeredRatePerSec: 3000 } };
    expect(comparisons["grpc-noop-latency"]!.against).toBe("offered rate");
    expect(comparisons["grpc-noop-latency"]!.ratio(viewOf([noop]), capacity)).toBeCloseTo(
      2900 / 3000,
    );
  });
});
