/**
 * How the simulated bank behaves: its latency distribution and its mix of outcomes. It starts
 * from configuration and tests may replace it at runtime (PUT /admin/behaviour).
 */
import { z } from "@wallet/config";

export interface Behaviour {
  readonly latencyMsMin: number;
  readonly latencyMsMax: number;
  readonly rejectRate: number;
  readonly errorRate: number;
  readonly hangRate: number;
  readonly lostResponseRate: number;
}

export interface BehaviourProblem {
  readonly field: keyof Behaviour;
  readonly message: string;
}

/** Rules that span fields; each field's own bounds are checked by the schemas that build it. */
export function behaviourProblems(behaviour: Behaviour): BehaviourProblem[] {
  const problems: BehaviourProblem[] = [];
  if (behaviour.latencyMsMin > behaviour.latencyMsMax) {
    problems.push({ field: "latencyMsMax", message: "must be >= the latency minimum" });
  }
  const rateSum =
    behaviour.rejectRate + behaviour.errorRate + behaviour.hangRate + behaviour.lostResponseRate;
  // A small tolerance, so that rates such as 0.7 + 0.2 + 0.1 are not refused for float rounding.
  if (rateSum > 1 + 1e-9) {
    problems.push({
      field: "rejectRate",
      message: "reject, error, hang and lost response rates must sum to <= 1",
    });
  }
  return problems;
}

const latencyMs = z.number().int().min(0).max(600_000);
const rate = z.number().min(0).max(1);

/**
 * The body of PUT /admin/behaviour, in the snake_case of the HTTP API. Every field is optional:
 * the fields given replace the current ones, the others are kept.
 */
export const behaviourPatchSchema = z.strictObject({
  latency_ms_min: latencyMs.optional(),
  latency_ms_max: latencyMs.optional(),
  reject_rate: rate.optional(),
  error_rate: rate.optional(),
  hang_rate: rate.optional(),
  lost_response_rate: rate.optional(),
});

export type BehaviourPatch = z.infer<typeof behaviourPatchSchema>;

const snakeCaseNames: Record<keyof Behaviour, keyof BehaviourPatch> = {
  latencyMsMin: "latency_ms_min",
  latencyMsMax: "latency_ms_max",
  rejectRate: "reject_rate",
  errorRate: "error_rate",
  hangRate: "hang_rate",
  lostResponseRate: "lost_response_rate",
};

export type PatchResult = { ok: true; behaviour: Behaviour } | { ok: false; problems: string[] };

/** Validates a PUT /admin/behaviour body and applies it on top of `current`. */
export function applyBehaviourPatch(current: Behaviour, body: unknown): PatchResult {
  const parsed = behaviourPatchSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`,
      ),
    };
  }
  const patch = parsed.data;
  const next: Behaviour = Object.freeze({
    latencyMsMin: patch.latency_ms_min ?? current.latencyMsMin,
    latencyMsMax: patch.latency_ms_max ?? current.latencyMsMax,
    rejectRate: patch.reject_rate ?? current.rejectRate,
    errorRate: patch.error_rate ?? current.errorRate,
    hangRate: patch.hang_rate ?? current.hangRate,
    lostResponseRate: patch.lost_response_rate ?? current.lostResponseRate,
  });
  const problems = behaviourProblems(next);
  if (problems.length > 0) {
    return { ok: false, problems: problems.map((p) => `${snakeCaseNames[p.field]}: ${p.message}`) };
  }
  return { ok: true, behaviour: next };
}

/** The behaviour as the admin API shows it. */
export function behaviourToJson(behaviour: Behaviour): Required<BehaviourPatch> {
  return {
    latency_ms_min: behaviour.latencyMsMin,
    latency_ms_max: behaviour.latencyMsMax,
    reject_rate: behaviour.rejectRate,
    error_rate: behaviour.errorRate,
    hang_rate: behaviour.hangRate,
    lost_response_rate: behaviour.lostResponseRate,
  };
}
