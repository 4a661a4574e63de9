/**
 * What one scenario counts while it runs: requests sent, faults injected, and every violation
 * with enough detail to reproduce it. One row of the final table.
 */

/** Every way the system can break a promise the suite checks. */
export type ViolationKind =
  | "money lost"
  | "money created"
  | "balance split wrong"
  | "double paid"
  | "paid and refunded"
  | "completed without payout"
  | "overdraft"
  | "duplicate took effect twice"
  | "duplicate answered wrongly"
  | "internal error"
  | "unresolved outcome"
  | "withdrawal stranded"
  | "refused request changed state"
  | "wrong status"
  | "process died"
  | "did not fail fast"
  | "did not recover"
  | "backlog bound broken"
  | "stream data lost"
  | "release timing wrong"
  | "ledger check"
  | "memory bound broken"
  | "legit call failed"
  | "legit call slow"
  | "malformed request served"
  | "malformed request unanswered"
  | "idle connection kept open";

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

export interface ScenarioReport {
  readonly name: string;
  operationsSent: number;
  faultsInjected: number;
  readonly violations: Violation[];
  ledgerCheck: string;
  /** Free-form facts worth printing under the table (scaled-down sizes, counts of outcomes). */
  readonly notes: string[];
  /** Tables of the scenario's own (one row per case, say), printed with its details. */
  readonly tables: DetailTable[];
  durationMs: number;
}

export interface DetailTable {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: (readonly string[])[];
  /** Columns whose cells are numbers, aligned right; the rest are aligned left. */
  readonly numericColumns: ReadonlySet<number>;
}

export function newScenarioReport(name: string): ScenarioReport {
  return {
    name,
    operationsSent: 0,
    faultsInjected: 0,
    violations: [],
    ledgerCheck: "not run",
    notes: [],
    tables: [],
    durationMs: 0,
  };
}

/** Details kept per kind; the count is always exact, the text is bounded so a broken run stays readable. */
const detailsPerKindMax = 5;

export function addViolation(report: ScenarioReport, kind: ViolationKind, detail: string): void {
  report.violations.push({ kind, detail });
  const shown = report.violations.filter((v) => v.kind === kind).length;
  if (shown <= detailsPerKindMax)
    process.stderr.write(`[faults] VIOLATION in ${report.name}: ${kind}: ${detail}\n`);
}
