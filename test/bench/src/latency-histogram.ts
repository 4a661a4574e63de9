/**
 * A latency histogram with a fixed memory bound: buckets grow geometrically by 1%, so any
 * percentile it reports is within 1% of the true value however many samples were recorded, and
 * two histograms (one per load-generator process) merge by adding counts. The maximum is kept
 * exactly, because the worst call is the figure people look for first.
 */

/** Each bucket's upper bound is this factor times the previous one's. */
const bucketGrowth = 1.01;
const logGrowth = Math.log(bucketGrowth);
/** Samples below this land in bucket 0; a gRPC or SQL call is never faster. */
const lowestMs = 0.001;
/** Anything above this (about 28 hours) is clamped into the last bucket. */
const bucketCount = Math.ceil(Math.log(1e8 / lowestMs) / logGrowth) + 1;

export interface LatencyPercentilesMs {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What crosses the process boundary: sparse [bucket, count] pairs, so it stays small. */
export interface HistogramSnapshot {
  buckets: [number, number][];
  count: number;
  maxMs: number;
}

export interface LatencyHistogram {
  record(latencyMs: number): void;
  merge(snapshot: HistogramSnapshot): void;
  count(): number;
  /** Nearest-rank percentile, `percent` in (0, 100]; undefined when nothing was recorded. */
  percentileMs(percent: number): number | undefined;
  maxMs(): number | undefined;
  summary(): LatencyPercentilesMs | undefined;
  snapshot(): HistogramSnapshot;
}

function bucketOf(latencyMs: number): number {
  if (!(latencyMs > lowestMs)) return 0;
  return Math.min(bucketCount - 1, Math.ceil(Math.log(latencyMs / lowestMs) / logGrowth));
}

function upperBoundMs(bucket: number): number {
  return lowestMs * bucketGrowth ** bucket;
}

export function createLatencyHistogram(): LatencyHistogram {
  const counts = new Float64Array(bucketCount);
  let total = 0;
  let max = 0;

  const histogram: LatencyHistogram = {
    record(latencyMs) {
      counts[bucketOf(latencyMs)]! += 1;
      total += 1;
      if (latencyMs > max) max = latencyMs;
    },

    merge(snapshot) {
      for (const [bucket, count] of snapshot.buckets) counts[bucket]! += count;
      total += snapshot.count;
      if (snapshot.maxMs > max) max = snapshot.maxMs;
    },

    count: () => total,

    percentileMs(percent) {
      if (total === 0) return undefined;
      const rank = Math.max(1, Math.ceil((percent / 100) * total));
      let seen = 0;
      for (let bucket = 0; bucket < bucketCount; bucket++) {
        seen += counts[bucket]!;
        // A bucket's upper bound can exceed the largest sample in it; the true value cannot.
        if (seen >= rank) return Math.min(upperBoundMs(bucket), max);
      }
      return max;
    },

    maxMs: () => (total === 0 ? undefined : max),

    summary() {
      if (total === 0) return undefined;
      return {
        p50: histogram.percentileMs(50)!,
        p90: histogram.percentileMs(90)!,
        p99: histogram.percentileMs(99)!,
        max,
      };
    },

    snapshot() {
      const buckets: [number, number][] = [];
      counts.forEach((count, bucket) => {
        if (count > 0) buckets.push([bucket, count]);
      });
      return { buckets, count: total, maxMs: max };
    },
  };
  return histogram;
}
