#!/usr/bin/env node
/**
 * The bench command. Prints progress on stderr and the markdown report on stdout, writes the
 * JSON report, and exits 0 when every item ran with at least one successful operation; targets
 * not met do not fail it (that is a finding, not a broken bench), a crash or a zero does.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { OptionsError, parseBenchOptions, usage, type BenchOptions } from "./cli-options.js";
import { renderMarkdown } from "./report.js";
import { runOnce, type RunResult } from "./run-once.js";
import { judgeTargets, summarizeItems, type BenchReport } from "./summarize.js";

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function settingsOf(options: BenchOptions): BenchReport["settings"] {
  return {
    smoke: options.smoke,
    runs: options.runs,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    items: [...options.items],
    concurrency: options.concurrency,
    generators: options.generators,
    client: options.client,
    userCount: options.userCount,
    bankLatencyMs: options.bankLatencyMs,
    settlementWorkers: options.settlementWorkers,
    withdrawPipelineMax: options.withdrawPipelineMax,
    withdrawWarmupMs: options.withdrawWarmupMs,
    openLoopInFlightMax: options.openLoopInFlightMax,
    pgbenchClients: options.pgbenchClients,
    pgbenchThreads: options.pgbenchThreads,
    wallet: options.walletAddress ?? "started by the bench",
  };
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }

  // First Ctrl-C (or SIGTERM from a CI timeout): stop after the current item and clean up, so
  // no database, stream or service process is left behind. Second: leave at once.
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: finishing the current item, then cleaning up (again to leave at once)`);
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);

  const startedAt = new Date().toISOString();
  const loadAverage1mAtStart = loadavg()[0] ?? 0;
  const runs: RunResult[] = [];
  for (let run = 1; run <= options.runs && !interrupted; run++) {
    log(`run ${run} of ${options.runs}`);
    const result = await runOnce(run, { options, log, interrupted: () => interrupted });
    for (const problem of result.cleanupProblems) log(`cleanup: ${problem}`);
    runs.push(result);
  }

  const capacity = {
    nominalWithdrawalsPerSec: (options.settlementWorkers * 1000) / options.bankLatencyMs,
  };
  const items = summarizeItems(runs, capacity);
  const failed = items.filter((item) => item.failures.length > 0 || item.okRuns < runs.length);
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: settingsOf(options),
    machine: {
      cpus: availableParallelism(),
      node: process.version,
      loadAverage1mAtStart,
      loadAverage1mAtEnd: loadavg()[0] ?? 0,
    },
    runs,
    items,
    targets: judgeTargets(runs, capacity),
    ok: !interrupted && failed.length === 0 && runs.length === options.runs,
  };

  const outFile = resolve(options.outFile);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(renderMarkdown(report));
  log(`JSON report: ${outFile}`);
  for (const item of failed)
    log(`FAILED ${item.name}: ${item.failures.join("; ") || "did not run"}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
