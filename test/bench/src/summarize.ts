/**
 * Folds the runs into the report: per item the median, min and max of every figure, each
 * scenario's ratio to its baseline, and a verdict per target. This object is the JSON file.
 */
import { itemNames, type ItemName } from "./catalogue.js";
import { cpuGroupNames, cpuMsPerCall, type CpuGroupName } from "./cpu-use.js";
import { callsCompleted, serviceNames, type Measurement, type ServiceName } from "./measurement.js";
import type { RunResult } from "./run-once.js";
import { spreadOf, type Spread } from "./run-spread.js";
import {
  comparisons,
  meets,
  targetDefinitions,
  type Capacity,
  type Comparator,
  type RunView,
} from "./targets.js";

export interface ItemSummary {
  name: ItemName;
  kind: Measurement["kind"];
  /** Runs in which it ran and had at least one successful operation. */
  okRuns: number;
  failures: string[];
  opsPerSec?: Spread;
  latencyMs?: { p50?: Spread; p90?: Spread; p99?: Spread; max?: Spread };
  /** Summed over runs. */
  errorsByCode: Record<string, number>;
  peakRssMb: Partial<Record<ServiceName, Spread>>;
  /**
   * Per process group over the measured window: CPUs busy, threads waiting for a CPU, and CPU ms
   * per call completed in the window (for withdraw-e2e and withdraw-latency, per completed withdrawal).
   */
  cpu: Partial<
    Record<CpuGroupName, { busyCores: Spread; waitingCores: Spread; msPerCall?: Spread }>
  >;
  vsBaseline?: { against: string; ratio?: Spread };
  details: Record<string, Spread>;
}

export interface TargetVerdict {
  id: string;
  label: string;
  comparator: Comparator;
  threshold: number;
  unit: string;
  value?: Spread;
  /** Judged on the median; undefined when no run could compute it. */
  met?: boolean;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  settings: Record<string, string | number | boolean | string[]>;
  /** The load averages say how noisy the shared machine was while the figures were taken. */
  machine: { cpus: number; node: string; loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
  runs: RunResult[];
  items: ItemSummary[];
  targets: TargetVerdict[];
  /** False when an item crashed or had no successful operation in some run. */
  ok: boolean;
}

export function runView(run: RunResult): RunView {
  return (name) =>
    run.measurements.find((measurement) => measurement.name === name && measurement.ok);
}

export function summarizeItems(runs: readonly RunResult[], capacity: Capacity): ItemSummary[] {
  const views = runs.map(runView);
  const names = itemNames.filter((name) =>
    runs.some((run) => run.measurements.some((measurement) => measurement.name === name)),
  );
  return names.map((name) => {
    const all = runs.map((run) =>
      run.measurements.find((measurement) => measurement.name === name),
    );
    const ok = all.filter((measurement): measurement is Measurement => measurement?.ok === true);
    const of = (pick: (measurement: Measurement) => number | undefined) => spreadOf(ok.map(pick));
    const errorsByCode: Record<string, number> = {};
    for (const measurement of all) {
      for (const [code, count] of Object.entries(measurement?.errorsByCode ?? {}))
        errorsByCode[code] = (errorsByCode[code] ?? 0) + count;
    }
    const peakRssMb: Partial<Record<ServiceName, Spread>> = {};
    for (const service of serviceNames) {
      const spread = of((measurement) => measurement.peakRssMb?.[service]);
      if (spread) peakRssMb[service] = spread;
    }
    const cpu: ItemSummary["cpu"] = {};
    for (const group of cpuGroupNames) {
      const busyCores = of((measurement) => measurement.cpu?.[group]?.busyCores);
      const waitingCores = of((measurement) => measurement.cpu?.[group]?.waitingCores);
      const msPerCall = of((measurement) => {
        const use = measurement.cpu?.[group];
        return (
          use && cpuMsPerCall(use.busyCores, callsCompleted(measurement), measurement.durationMs)
        );
      });
      if (busyCores && waitingCores)
        cpu[group] = { busyCores, waitingCores, ...(msPerCall ? { msPerCall } : {}) };
    }
    const details: Record<string, Spread> = {};
    for (const key of new Set(ok.flatMap((measurement) => Object.keys(measurement.details)))) {
      const spread = of((measurement) => measurement.details[key]);
      if (spread) details[key] = spread;
    }
    const comparison = comparisons[name];
    const ratio = comparison && spreadOf(views.map((view) => comparison.ratio(view, capacity)));
    const opsPerSec = of((measurement) => measurement.opsPerSec);
    const hasLatency = ok.some((measurement) => measurement.latencyMs);
    return {
      name,
      kind: all.find(Boolean)!.kind,
      okRuns: ok.length,
      failures: all
        .filter((measurement) => measurement && !measurement.ok)
        .map((measurement) => measurement!.failure ?? "failed"),
      ...(opsPerSec ? { opsPerSec } : {}),
      ...(hasLatency
        ? {
            latencyMs: {
              p50: of((measurement) => measurement.latencyMs?.p50),
              p90: of((measurement) => measurement.latencyMs?.p90),
              p99: of((measurement) => measurement.latencyMs?.p99),
              max: of((measurement) => measurement.latencyMs?.max),
            },
          }
        : {}),
      errorsByCode,
      peakRssMb,
      cpu,
      ...(comparison
        ? { vsBaseline: { against: comparison.against, ...(ratio ? { ratio } : {}) } }
        : {}),
      details,
    };
  });
}

export function judgeTargets(runs: readonly RunResult[], capacity: Capacity): TargetVerdict[] {
  const views = runs.map(runView);
  return targetDefinitions.map((definition) => {
    const value = spreadOf(views.map((view) => definition.value(view, capacity)));
    return {
      id: definition.id,
      label: definition.label,
      comparator: definition.comparator,
      threshold: definition.threshold,
      unit: definition.unit,
      ...(value ? { value, met: meets(definition, value.median) } : {}),
    };
  });
}
