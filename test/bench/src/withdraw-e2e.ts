/**
 * withdraw-e2e and withdraw-latency: withdrawals followed through the outbox, JetStream,
 * settlement and the bank-sim back to the wallet's database. Throughput is completions per second
 * inside the measured window; latency is accepted → completed.
 *
 * withdraw-e2e keeps a fixed number of withdrawals in the pipeline (the pipeline load shape): more
 * than settlement's workers can hold, so they never wait for work, yet bounded, so the pipeline
 * reaches a steady state at its capacity and its latency is that of the steady state. (Offered
 * open loop at the nominal capacity, as it was before, the system never reaches a steady state: any
 * overhead makes the queue grow for the whole run, and the latency measured is the queue's age.)
 * withdraw-latency offers half of what withdraw-e2e completed, open loop (the rule charge-latency
 * follows for charges): the latency of a system with room to spare.
 */
import type { LoadShape } from "./load-protocol.js";
import { openLoopDetails } from "./load-measurement.js";
import type { LoadRunResult } from "./load-runner.js";
import type { Measurement } from "./measurement.js";
import { createWithdrawalTracker } from "./withdrawal-tracker.js";

export interface WithdrawE2eDeps {
  name: "withdraw-e2e" | "withdraw-latency";
  databaseUrl: string;
  shape: Extract<LoadShape, { kind: "open" | "pipeline" }>;
  /** How long to wait for earlier scenarios' withdrawals before starting. */
  settleBeforeMs: number;
  /** How long to wait after the load for the window's withdrawals to finish. */
  drainTimeoutMs: number;
  runWithdrawLoad(shape: LoadShape): Promise<LoadRunResult>;
}

export async function measureWithdrawE2e(deps: WithdrawE2eDeps): Promise<Measurement> {
  const tracker = createWithdrawalTracker(deps.databaseUrl);
  try {
    // mixed leaves withdrawals behind; settling them would take capacity from the measured ones.
    const pendingBefore = await tracker.waitForNoPending(deps.settleBeforeMs);
    const result = await deps.runWithdrawLoad(deps.shape);
    const pendingAfterDrain = await tracker.waitForNoPending(
      deps.drainTimeoutMs,
      result.windowEndEpochMs,
    );
    const figures = await tracker.measure({
      fromEpochMs: result.windowStartEpochMs,
      toEpochMs: result.windowEndEpochMs,
      acceptedFromEpochMs: result.loadStartEpochMs,
    });
    // It ran if withdrawals went all the way through, even if none finished inside the window.
    const ok = figures.completedSinceLoadStart > 0;
    const rpc = result.histogram.summary();
    return {
      name: deps.name,
      kind: "scenario",
      ok,
      ...(ok
        ? {}
        : {
            failure: `no withdrawal completed (${figures.accepted} accepted in the window, ${figures.unfinished} unfinished)`,
          }),
      durationMs: result.windowMs,
      operations: figures.completions,
      opsPerSec: figures.completionsPerSec,
      errorsByCode: result.errorsByCode,
      ...(figures.latencyMs ? { latencyMs: figures.latencyMs } : {}),
      ...(result.cpu ? { cpu: result.cpu } : {}),
      details: {
        ...(deps.shape.kind === "open"
          ? openLoopDetails(deps.shape.ratePerSec, result)
          : { inPipelineMax: deps.shape.inPipelineMax, sent: result.scheduled }),
        acceptedPerSec: figures.accepted / (result.windowMs / 1000),
        completionsPerSecMin: figures.completionsPerSecMin,
        completedSinceLoadStart: figures.completedSinceLoadStart,
        unfinished: figures.unfinished,
        failed: figures.failed,
        pendingBefore,
        pendingAfterDrain,
        ...(rpc ? { withdrawRpcP50Ms: rpc.p50, withdrawRpcP99Ms: rpc.p99 } : {}),
      },
    };
  } finally {
    await tracker.close();
  }
}
