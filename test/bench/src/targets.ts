/**
 * The targets, and what each scenario is compared with. First the RPC-layer ones: throughput
 * against raw SQL and grpc-noop, charge-latency's p99 against raw SQL's at the same rate, and the
 * seed's latency bounds at that rate; then the pipeline's and memory's. Each is computed per run,
 * from figures measured in that same run, and judged on the median over runs.
 */
import { scenarioNames, type ItemName } from "./catalogue.js";
import { serviceNames, type Measurement, type ServiceName } from "./measurement.js";

/** A run's successful measurements by name; failed ones read as absent. */
export type RunView = (name: ItemName) => Measurement | undefined;

export interface Capacity {
  /** settlement workers / bank latency: the withdrawals per second the pipeline could at best complete. */
  nominalWithdrawalsPerSec: number;
}

export type Comparator = ">=" | "<=" | "<";

export interface TargetDefinition {
  id: string;
  label: string;
  comparator: Comparator;
  threshold: number;
  unit: "×" | "ms" | "MiB";
  value(view: RunView, capacity: Capacity): number | undefined;
}

const ratio = (numerator: number | undefined, denominator: number | undefined) =>
  numerator === undefined || denominator === undefined || denominator === 0
    ? undefined
    : numerator / denominator;
const opsPerSec = (view: RunView, name: ItemName) => view(name)?.opsPerSec;
/** One item's ops/s over another's, in the same run. */
const throughputRatio = (name: ItemName, baseline: ItemName) => (view: RunView) =>
  ratio(opsPerSec(view, name), opsPerSec(view, baseline));
const withdrawE2eVsCapacity = (view: RunView, capacity: Capacity) =>
  ratio(opsPerSec(view, "withdraw-e2e"), capacity.nominalWithdrawalsPerSec);

/** The highest peak RSS a service reached over the run's scenarios. */
function peakRssMb(view: RunView, service: ServiceName): number | undefined {
  const peaks = scenarioNames
    .map((name) => view(name)?.peakRssMb?.[service])
    .filter((value): value is number => value !== undefined);
  return peaks.length === 0 ? undefined : Math.max(...peaks);
}

export const targetDefinitions: readonly TargetDefinition[] = [
  {
    id: "charge-spread-vs-raw-sql",
    label: "charge-spread / raw-sql-charge (10k users)",
    comparator: ">=",
    threshold: 1.0,
    unit: "×",
    value: throughputRatio("charge-spread", "raw-sql-charge"),
  },
  {
    id: "charge-hot-vs-raw-sql-1stmt-hot",
    label: "charge-hot / raw-sql-charge-1stmt-hot",
    comparator: ">=",
    threshold: 2.5,
    unit: "×",
    value: throughputRatio("charge-hot", "raw-sql-charge-1stmt-hot"),
  },
  {
    id: "balance-read-vs-grpc-noop",
    label: "balance-read / grpc-noop",
    comparator: ">=",
    threshold: 0.5,
    unit: "×",
    value: throughputRatio("balance-read", "grpc-noop"),
  },
  // p99 against p99: raw SQL overloaded at that rate has a p50 near its p99, so a ratio of
  // ratios would flatter it.
  {
    id: "charge-latency-p99-vs-raw-sql",
    label: "charge-latency p99 / raw-sql-charge-latency p99 (same rate)",
    comparator: "<=",
    threshold: 3,
    unit: "×",
    value: (view) =>
      ratio(view("charge-latency")?.latencyMs?.p99, view("raw-sql-charge-latency")?.latencyMs?.p99),
  },
  {
    id: "charge-latency-p50",
    label: "charge-latency p50 (the seed's bound)",
    comparator: "<",
    threshold: 50,
    unit: "ms",
    value: (view) => view("charge-latency")?.latencyMs?.p50,
  },
  {
    id: "charge-latency-p99",
    label: "charge-latency p99 (the seed's bound)",
    comparator: "<",
    threshold: 500,
    unit: "ms",
    value: (view) => view("charge-latency")?.latencyMs?.p99,
  },
  {
    id: "withdraw-e2e-vs-capacity",
    label: "withdraw-e2e completions/s / nominal capacity",
    comparator: ">=",
    threshold: 0.9,
    unit: "×",
    value: withdrawE2eVsCapacity,
  },
  // Both runs are judged against the p99 bound: withdraw-e2e's, in the steady state at the
  // pipeline's capacity, and withdraw-latency's, at half of what withdraw-e2e completed.
  {
    id: "withdraw-e2e-p99",
    label: "withdraw-e2e p99 accepted→completed (at capacity)",
    comparator: "<=",
    threshold: 300,
    unit: "ms",
    value: (view) => view("withdraw-e2e")?.latencyMs?.p99,
  },
  {
    id: "withdraw-latency-p99",
    label: "withdraw-latency p99 accepted→completed (half load)",
    comparator: "<=",
    threshold: 300,
    unit: "ms",
    value: (view) => view("withdraw-latency")?.latencyMs?.p99,
  },
  ...serviceNames.map((service): TargetDefinition => ({
    id: `peak-rss-${service}`,
    label: `peak RSS ${service}`,
    comparator: "<=",
    threshold: 200,
    unit: "MiB",
    value: (view) => peakRssMb(view, service),
  })),
];

export function meets(
  definition: Pick<TargetDefinition, "comparator" | "threshold">,
  value: number,
): boolean {
  switch (definition.comparator) {
    case ">=":
      return value >= definition.threshold;
    case "<=":
      return value <= definition.threshold;
    case "<":
      return value < definition.threshold;
  }
}

/** What each scenario's "vs baseline" column divides it by. */
export interface Comparison {
  against: string;
  ratio(view: RunView, capacity: Capacity): number | undefined;
}

/** An open-loop item's ops/s against the rate it was offered: 1.0 when it kept up. */
const offeredRate = (name: ItemName): Comparison => ({
  against: "offered rate",
  ratio: (view) => ratio(opsPerSec(view, name), view(name)?.details.offeredRatePerSec),
});

export const comparisons: Partial<Record<ItemName, Comparison>> = {
  "charge-spread": {
    against: "raw-sql-charge",
    ratio: throughputRatio("charge-spread", "raw-sql-charge"),
  },
  "charge-hot": {
    against: "raw-sql-charge-1stmt-hot",
    ratio: throughputRatio("charge-hot", "raw-sql-charge-1stmt-hot"),
  },
  "balance-read": { against: "grpc-noop", ratio: throughputRatio("balance-read", "grpc-noop") },
  mixed: { against: "grpc-noop", ratio: throughputRatio("mixed", "grpc-noop") },
  "withdraw-e2e": {
    against: "nominal capacity",
    ratio: withdrawE2eVsCapacity,
  },
  "withdraw-latency": offeredRate("withdraw-latency"),
  "charge-latency": offeredRate("charge-latency"),
  "raw-sql-charge-latency": offeredRate("raw-sql-charge-latency"),
  "grpc-noop-latency": offeredRate("grpc-noop-latency"),
};
