/** What every scenario and baseline produces, in one shape, so the report treats them alike. */
import type { CpuUseByGroup } from "./cpu-use.js";
import type { LatencyPercentilesMs } from "./latency-histogram.js";

export const serviceNames = ["wallet", "settlement", "bank-sim"] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface Measurement {
  name: string;
  kind: "scenario" | "baseline";
  /** False when it crashed or had no successful operation: the bench then exits non-zero. */
  ok: boolean;
  failure?: string;
  /** The measured window, warm-up excluded. */
  durationMs: number;
  /** Successful operations in the window. */
  operations: number;
  opsPerSec: number;
  /** Failed operations in the window, by gRPC status name (or "FAILED" for pgbench). */
  errorsByCode: Record<string, number>;
  latencyMs?: LatencyPercentilesMs;
  /** VmHWM of each service process over this scenario alone, in MiB. */
  peakRssMb?: Partial<Record<ServiceName, number>>;
  /** Where the CPU went over the measured window (load-driven items on Linux only). */
  cpu?: CpuUseByGroup;
  /** Figures particular to one scenario, such as the offered rate of an open-loop one. */
  details: Record<string, number>;
}

export function failedMeasurement(
  name: string,
  kind: Measurement["kind"],
  failure: string,
): Measurement {
  return {
    name,
    kind,
    ok: false,
    failure,
    durationMs: 0,
    operations: 0,
    opsPerSec: 0,
    errorsByCode: {},
    details: {},
  };
}

/** Calls answered in the window, whatever their status: each cost the server its work. */
export function callsCompleted(measurement: Measurement): number {
  return (
    measurement.operations +
    Object.values(measurement.errorsByCode).reduce((sum, count) => sum + count, 0)
  );
}
