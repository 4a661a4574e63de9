import { describe, expect, it } from "vitest";
import { createLatencyHistogram } from "./latency-histogram.js";

describe("latency histogram", () => {
  it("reports nearest-rank percentiles within 1% of the exact value", () => {
    const histogram = createLatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    expect(histogram.percentileMs(50)).toBeGreaterThanOrEqual(500);
    expect(histogram.percentileMs(50)).toBeLessThanOrEqual(505);
    expect(histogram.percentileMs(90)).toBeGreaterThanOrEqual(900);
    expect(histogram.percentileMs(90)).toBeLessThanOrEqual(909);
    expect(histogram.percentileMs(99)).toBeGreaterThanOrEqual(990);
    expect(histogram.percentileMs(99)).toBeLessThanOrEqual(1000);
  });

  it("keeps the maximum exact and never reports a percentile above it", () => {
    const histogram = createLatencyHistogram();
    histogram.record(3.3);
    histogram.record(1234.5);
    expect(histogram.maxMs()).toBe(1234.5);
    expect(histogram.percentileMs(100)).toBe(1234.5);
    expect(histogram.summary()).toEqual({
      p50: expect.closeTo(3.3, 1),
      p90: 1234.5,
      p99: 1234.5,
      max: 1234.5,
    });
  });

  it("puts a single slow call in p99 only when it is more than 1% of the calls", () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 99; i++) histogram.record(2);
    histogram.record(500);
    expect(histogram.percentileMs(99)).toBeLessThan(2.05);
    histogram.record(500);
    expect(histogram.percentileMs(99)).toBe(500);
  });

  it("merges snapshots from several processes as if one had recorded everything", () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const both = createLatencyHistogram();
    for (let i = 1; i <= 500; i++) {
      a.record(i / 10);
      both.record(i / 10);
      b.record(i);
      both.record(i);
    }
    const merged = createLatencyHistogram();
    merged.merge(JSON.parse(JSON.stringify(a.snapshot())));
    merged.merge(JSON.parse(JSON.stringify(b.snapshot())));
    expect(merged.count()).toBe(1000);
    expect(merged.summary()).toEqual(both.summary());
  });

  it("has no figures before the first sample", () => {
    const histogram = createLatencyHistogram();
    expect(histogram.summary()).toBeUndefined();
    expect(histogram.percentileMs(50)).toBeUndefined();
    expect(histogram.maxMs()).toBeUndefined();
  });
});
