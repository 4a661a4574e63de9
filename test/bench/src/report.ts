/**
 * The markdown the bench prints: what ran, a table of items, a table of targets. With several
 * runs a figure reads "median (min–max)"; with one run just the figure.
 */
import { cpuGroupNames, serverGroupNames } from "./cpu-use.js";
import { serviceNames } from "./measurement.js";
import type { Spread } from "./run-spread.js";
import type { BenchReport, ItemSummary, TargetVerdict } from "./summarize.js";

/** Pads columns to their widest cell, so the table also reads well as plain text. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? "").padEnd(width)).join(" | ")} |`;
  return [
    line(headers),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

/** Rates and counts: no decimals from 100 up, grouped by thousands. */
export function formatRate(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(1);
}

/** Latencies in ms: three significant digits is all a noisy machine supports. */
export function formatMs(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function formatSpread(
  spread: Spread | undefined,
  format: (value: number) => string,
): string {
  if (!spread) return "—";
  if (spread.samples === 1 || spread.min === spread.max) return format(spread.median);
  return `${format(spread.median)} (${format(spread.min)}–${format(spread.max)})`;
}

function formatErrors(errorsByCode: Record<string, number>): string {
  const entries = Object.entries(errorsByCode).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? "0" : entries.map(([code, count]) => `${code} ${count}`).join(", ");
}

function itemRow(item: ItemSummary): string[] {
  if (item.okRuns === 0)
    return [
      item.name,
      `FAILED: ${item.failures[0] ?? "unknown"}`.slice(0, 120),
      "",
      "",
      "",
      "",
      formatErrors(item.errorsByCode),
      "",
      "",
    ];
  const rss = serviceNames.some((service) => item.peakRssMb[service])
    ? serviceNames
        .map((service) => formatSpread(item.peakRssMb[service], (value) => value.toFixed(0)))
        .join(" / ")
    : "—";
  const vsBaseline = item.vsBaseline
    ? `${formatSpread(item.vsBaseline.ratio, formatRatio)} ${item.vsBaseline.against}`
    : "—";
  const failedRuns = item.failures.length > 0 ? ` [${item.failures.length} run(s) failed]` : "";
  return [
    item.name + failedRuns,
    formatSpread(item.opsPerSec, formatRate),
    formatSpread(item.latencyMs?.p50, formatMs),
    formatSpread(item.latencyMs?.p90, formatMs),
    formatSpread(item.latencyMs?.p99, formatMs),
    formatSpread(item.latencyMs?.max, formatMs),
    formatErrors(item.errorsByCode),
    rss,
    vsBaseline,
  ];
}

/** CPU time per call: a few microseconds matter when the wallet is set beside grpc-noop. */
const formatCpuMs = (value: number) => value.toFixed(3);

/**
 * "busy / waiting" in CPUs, medians: the spread of two figures per cell would not read. Then the
 * server's CPU ms per call, in one column whichever process served, so the wallet's and
 * grpc-noop's read one above the other.
 */
function cpuRow(item: ItemSummary): string[] {
  const server = serverGroupNames.map((group) => item.cpu[group]?.msPerCall).find(Boolean);
  return [
    item.name,
    ...cpuGroupNames.map((group) => {
      const use = item.cpu[group];
      return use
        ? `${use.busyCores.median.toFixed(2)} / ${use.waitingCores.median.toFixed(2)}`
        : "—";
    }),
    formatSpread(server, formatCpuMs),
  ];
}

const comparatorSigns = { ">=": "≥", "<=": "≤", "<": "<" } as const;

function targetRow(target: TargetVerdict): string[] {
  const format =
    target.unit === "×"
      ? formatRatio
      : target.unit === "ms"
        ? (value: number) => `${formatMs(value)} ms`
        : (value: number) => `${value.toFixed(0)} MiB`;
  const goal = `${comparatorSigns[target.comparator]} ${format(target.threshold)}`;
  const verdict = target.met === undefined ? "not measured" : target.met ? "met" : "NOT met";
  return [target.label, formatSpread(target.value, format), goal, verdict];
}

export function renderMarkdown(report: BenchReport): string {
  const runs = report.runs.length;
  const settings = report.settings;
  const header = [
    "# Wallet bench",
    "",
    `${report.startedAt} · ${runs} run(s)${runs > 1 ? ", figures are median (min–max)" : ""} · window ${String(settings.durationMs)} ms after ${String(settings.warmupMs)} ms warm-up` +
      ` · ${String(settings.concurrency)} callers over ${String(settings.generators)} generator processes (${String(settings.client)} client) · ${String(settings.userCount)} users` +
      ` · ${report.machine.cpus} CPUs, load average ${report.machine.loadAverage1mAtStart.toFixed(1)} at start, ${report.machine.loadAverage1mAtEnd.toFixed(1)} at end` +
      (settings.smoke ? " · SMOKE: figures are meaningless" : ""),
  ].join("\n");
  const items = markdownTable(
    [
      "item",
      "ops/s",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "max ms",
      "errors",
      "peak RSS MiB (wallet / settlement / bank-sim)",
      "vs baseline",
    ],
    report.items.map(itemRow),
  );
  const withCpu = report.items.filter((item) => Object.keys(item.cpu).length > 0);
  const cpu =
    withCpu.length > 0
      ? markdownTable(
          ["CPUs busy / threads waiting for a CPU", ...cpuGroupNames, "server CPU ms/call"],
          withCpu.map(cpuRow),
        )
      : undefined;
  const targets = markdownTable(
    ["target", "value", "goal", "verdict"],
    report.targets.map(targetRow),
  );
  const notes = [
    "withdraw-e2e: a closed loop keeping --withdraw-pipeline withdrawals unfinished end to end; ops/s is completions/s in the window; latencies are accepted→completed from the database.",
    "withdraw-latency: open loop at half of withdraw-e2e's completions/s, a rate settlement keeps up with; same figures as withdraw-e2e.",
    "charge-latency: open loop at half of charge-spread's ops/s; latency runs from each call's scheduled send time.",
    "raw-sql-charge-latency: pgbench -R at charge-latency's rate, the one-statement charge, 16 clients; latency runs from each transaction's scheduled start.",
    "grpc-noop-latency: open loop at charge-latency's rate, by the same generator, to grpc-noop's server (grpc-js doing nothing); latency runs from each call's scheduled send time.",
    ...(cpu
      ? [
          "CPU table: over each measured window, the CPUs a process group kept busy and how many of its threads were, on average, runnable but waiting for a CPU (Linux schedstat, summed over threads; medians over runs); postgres is every PostgreSQL server process on the machine. server CPU ms/call: the CPU time of the process that answered (the wallet; grpc-noop's server for grpc-noop) per call completed in the window, whatever its status (for withdraw-e2e and withdraw-latency, per completed withdrawal).",
        ]
      : []),
  ];
  return [
    header,
    "",
    items,
    "",
    ...(cpu ? [cpu, ""] : []),
    targets,
    "",
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}
