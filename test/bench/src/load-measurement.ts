/** Turns what the load generators measured into a Measurement. */
import type { LoadRunResult } from "./load-runner.js";
import type { Measurement } from "./measurement.js";

export function measurementFromLoad(
  name: string,
  kind: Measurement["kind"],
  result: LoadRunResult,
  details: Record<string, number> = {},
): Measurement {
  const latencyMs = result.histogram.summary();
  // "Ran" means calls got through at all; a window too short for the calls' latency is a
  // figure of zero, not a broken bench.
  const ok = result.succeededTotal > 0;
  const errors = Object.entries(result.errorsByCode)
    .map(([code, count]) => `${code} ${count}`)
    .join(", ");
  return {
    name,
    kind,
    ok,
    ...(ok ? {} : { failure: `no successful operation${errors ? ` (errors: ${errors})` : ""}` }),
    durationMs: result.windowMs,
    operations: result.operations,
    opsPerSec: result.opsPerSec,
    errorsByCode: result.errorsByCode,
    ...(latencyMs ? { latencyMs } : {}),
    ...(result.cpu ? { cpu: result.cpu } : {}),
    details,
  };
}

/** What an open-loop run adds: the rate asked for, and how far the generators fell behind it. */
export function openLoopDetails(ratePerSec: number, result: LoadRunResult): Record<string, number> {
  return {
    offeredRatePerSec: ratePerSec,
    scheduled: result.scheduled,
    shed: result.shed,
    sendLagMsMax: result.sendLagMsMax,
  };
}
