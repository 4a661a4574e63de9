/**
 * The judgement every hostile request gets: its answer must be a client error (4xx, or the gRPC
 * status that means the same) or a success for a request that was in fact valid; a refused
 * request must leave the ledger's fingerprint exactly as it was; and the process that answered
 * must still be alive afterwards.
 */
import {
  addViolation,
  type ScenarioReport,
  type ViolationKind,
} from "../report/scenario-report.js";
import type { AckedTransaction } from "../model/acked-transaction.js";
import type { ServiceName } from "../infra/fault-system.js";
import type { SuiteContext } from "../suite-context.js";

export interface HostileVerdict {
  /** What the answer was, for the tally: a gRPC code name or HTTP status. */
  answer: string;
  /** The request took effect: the model must learn it. */
  accepted?: AckedTransaction;
  /** The request was refused: nothing may have changed. */
  refused: boolean;
  violations: { kind: ViolationKind; detail: string }[];
}

export interface HostileTally {
  sent: number;
  answers: Map<string, number>;
}

export function newTally(): HostileTally {
  return { sent: 0, answers: new Map() };
}

export function tallyText(tally: HostileTally): string {
  return [...tally.answers]
    .sort((a, b) => b[1] - a[1])
    .map(([answer, n]) => `${answer} ${n}`)
    .join(", ");
}

/** Sends one hostile request through `send` and judges it; `describe` names the request in a violation. */
export async function judgeHostile(
  ctx: SuiteContext,
  report: ScenarioReport,
  tally: HostileTally,
  target: ServiceName,
  describe: string,
  send: () => Promise<HostileVerdict>,
): Promise<void> {
  const before = await ctx.probe.fingerprint();
  const verdict = await send();
  report.operationsSent += 1;
  tally.sent += 1;
  tally.answers.set(verdict.answer, (tally.answers.get(verdict.answer) ?? 0) + 1);
  for (const v of verdict.violations) addViolation(report, v.kind, `${describe}: ${v.detail}`);
  if (verdict.accepted) ctx.model.apply(verdict.accepted, report.name);
  if (verdict.refused) {
    const after = await ctx.probe.fingerprint();
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      addViolation(
        report,
        "refused request changed state",
        `${describe}: answered ${verdict.answer}, ledger ${JSON.stringify(before)} -> ${JSON.stringify(after)}`,
      );
    }
  }
  if (!ctx.system.alive(target)) {
    addViolation(report, "process died", `${describe}: ${target} exited after this request`);
    await ctx.system.start(target);
  }
}

/** Shortens a value for a violation line: hostile inputs can be megabytes. */
export function preview(value: unknown, max = 300): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  return text === undefined
    ? String(value)
    : text.length > max
      ? `${text.slice(0, max)}... (${text.length} chars)`
      : text;
}
