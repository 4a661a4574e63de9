/**
 * The table every run prints: one row per scenario with what it sent, what it broke on purpose,
 * what it found broken, and the ledger check's verdict; then the details of every violation.
 */
import type { ScenarioReport } from "./scenario-report.js";

const headers = [
  "scenario",
  "operations sent",
  "faults injected",
  "violations found",
  "ledger-check result",
] as const;

export function renderTable(reports: readonly ScenarioReport[]): string {
  const rows = reports.map((r) => [
    r.name,
    String(r.operationsSent),
    String(r.faultsInjected),
    String(r.violations.length),
    r.ledgerCheck,
  ]);
  const total = reports.reduce((sum, r) => sum + r.violations.length, 0);
  rows.push([
    "total",
    String(reports.reduce((sum, r) => sum + r.operationsSent, 0)),
    String(reports.reduce((sum, r) => sum + r.faultsInjected, 0)),
    String(total),
    "",
  ]);
  return markdownTable(headers, rows, new Set([1, 2, 3]));
}

/** A Markdown table padded to its widest cells; `numericColumns` are aligned right. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numericColumns: ReadonlySet<number>,
): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (numericColumns.has(i) ? (cells[i] ?? "").padStart(w) : (cells[i] ?? "").padEnd(w))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numericColumns.has(i) ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Notes and every violation, grouped by scenario and kind, bounded per kind. */
export function renderDetails(reports: readonly ScenarioReport[]): string {
  const out: string[] = [];
  for (const report of reports) {
    const lines: string[] = [...report.notes.map((note) => `  note: ${note}`)];
    for (const table of report.tables) {
      lines.push(
        `  ${table.title}:`,
        ...markdownTable(table.headers, table.rows, table.numericColumns)
          .split("\n")
          .map((row) => `  ${row}`),
      );
    }
    const byKind = new Map<string, string[]>();
    for (const v of report.violations)
      byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v.detail]);
    for (const [kind, details] of byKind) {
      lines.push(`  VIOLATION ${kind} x${details.length}`);
      for (const detail of details.slice(0, 10)) lines.push(`    - ${detail}`);
      if (details.length > 10) lines.push(`    - ... ${details.length - 10} more`);
    }
    if (lines.length > 0)
      out.push(`${report.name} (${(report.durationMs / 1000).toFixed(1)} s)`, ...lines);
    else out.push(`${report.name} (${(report.durationMs / 1000).toFixed(1)} s)`);
  }
  return out.join("\n");
}
