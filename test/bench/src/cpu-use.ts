/**
 * Where a scenario's CPU went. For each group of processes (the wallet, PostgreSQL's server
 * processes, the load generators, settlement, the bank-sim, grpc-noop's server) the report shows,
 * over the measured window, how many CPUs it kept busy and how many of its threads were on average
 * runnable but waiting for a CPU, from Linux's per-thread /proc/<pid>/task/<tid>/schedstat. On the
 * 2-core bench machine everything shares two CPUs: a process that waits about as long as it runs
 * is starved rather than slow, and these figures are what lets the report say which process
 * limited a scenario. The server's CPU time per call sets the wallet's cost beside grpc-noop's,
 * what the RPC layer alone costs. Elsewhere than Linux there are no figures.
 */
import { readdir, readFile } from "node:fs/promises";
import type { WindowProbe } from "./load-runner.js";

export const cpuGroupNames = [
  "wallet",
  "postgres",
  "generators",
  "settlement",
  "bank-sim",
  "noop-server",
] as const;
export type CpuGroupName = (typeof cpuGroupNames)[number];
export type ProcessGroups = Partial<Record<CpuGroupName, readonly number[]>>;

/** Nanoseconds spent running on a CPU, and runnable but waiting for one. */
export interface CpuTime {
  runNs: number;
  waitNs: number;
}

/** Over a span: CPUs kept busy, and threads waiting for a CPU, both on average. */
export interface CpuUse {
  busyCores: number;
  waitingCores: number;
}

export type CpuUseByGroup = Partial<Record<CpuGroupName, CpuUse>>;

/** The groups that answer the calls: the wallet in its scenarios, grpc-noop's server in its items. */
export const serverGroupNames = [
  "wallet",
  "noop-server",
] as const satisfies readonly CpuGroupName[];

/**
 * A group's CPU time per call, in ms: the CPUs it kept busy times the window, over the calls
 * completed in that window. Undefined when none completed.
 */
export function cpuMsPerCall(
  busyCores: number,
  callsCompleted: number,
  windowMs: number,
): number | undefined {
  return callsCompleted > 0 ? (busyCores * windowMs) / callsCompleted : undefined;
}

export interface CpuSnapshot {
  atNs: bigint;
  /** Per pid; absent when it could not be read (gone, or not Linux). */
  times: Map<number, CpuTime>;
}

/** The first two fields of a schedstat file: run time and run-queue wait time, in ns. */
export function parseSchedstat(text: string): CpuTime | undefined {
  const [runNs, waitNs] = text.trim().split(/\s+/).map(Number);
  return runNs !== undefined &&
    waitNs !== undefined &&
    Number.isFinite(runNs) &&
    Number.isFinite(waitNs)
    ? { runNs, waitNs }
    : undefined;
}

/** The sum over a process's threads; undefined when the process is gone or this is not Linux. */
export async function readProcessCpuTime(pid: number): Promise<CpuTime | undefined> {
  let threadIds: string[];
  try {
    threadIds = await readdir(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const total: CpuTime = { runNs: 0, waitNs: 0 };
  for (const threadId of threadIds) {
    // A thread that exited since the listing has nothing left to read.
    const time = await readFile(`/proc/${pid}/task/${threadId}/schedstat`, "utf8").then(
      parseSchedstat,
      () => undefined,
    );
    if (time) {
      total.runNs += time.runNs;
      total.waitNs += time.waitNs;
    }
  }
  return total;
}

/** PostgreSQL's server processes on this machine (postmaster, backends, WAL writer...), by name. */
export async function findPostgresPids(): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
  const names = await Promise.all(
    pids.map((pid) => readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")),
  );
  return pids.filter((_, index) => names[index]!.trim() === "postgres");
}

export async function takeCpuSnapshot(groups: ProcessGroups): Promise<CpuSnapshot> {
  const atNs = process.hrtime.bigint();
  const times = new Map<number, CpuTime>();
  for (const pid of new Set(Object.values(groups).flat())) {
    const time = await readProcessCpuTime(pid);
    if (time) times.set(pid, time);
  }
  return { atNs, times };
}

/**
 * Per group, what its processes used between two snapshots. A process not readable at both ends
 * is left out (its share is lost, never invented); a thread that exited inside the span takes its
 * time with it, so a process's figure never goes below zero.
 */
export function cpuUseBetween(
  groups: ProcessGroups,
  before: CpuSnapshot,
  after: CpuSnapshot,
): CpuUseByGroup {
  const spanNs = Number(after.atNs - before.atNs);
  const use: CpuUseByGroup = {};
  if (spanNs <= 0) return use;
  for (const group of cpuGroupNames) {
    let runNs = 0;
    let waitNs = 0;
    let measured = false;
    for (const pid of groups[group] ?? []) {
      const start = before.times.get(pid);
      const end = after.times.get(pid);
      if (!start || !end) continue;
      measured = true;
      runNs += Math.max(0, end.runNs - start.runNs);
      waitNs += Math.max(0, end.waitNs - start.waitNs);
    }
    if (measured) use[group] = { busyCores: runNs / spanNs, waitingCores: waitNs / spanNs };
  }
  return use;
}

/** When a load run's measured window is, in wall-clock time, and which processes generate it. */
export interface LoadWindow {
  startEpochMs: number;
  endEpochMs: number;
  generatorPids: readonly number[];
}

/**
 * How long before the window's end the last snapshot is taken: a closed-loop generator stops at
 * the end and exits as soon as it has reported, and a process gone by then would be left out.
 */
export function endSnapshotLeadMs(windowMs: number): number {
  return Math.min(200, windowMs * 0.1);
}

/** Snapshots that came this much later than planned (a stalled bench process) measure nothing. */
const spanToleranceShare = 0.1;

/**
 * Snapshots the processes at a load window's start and just before its end. `groupsAt` lists
 * them once, at the start (the generators come from the window; PostgreSQL's are looked up):
 * the end snapshot then only reads counters, before any generator can exit.
 */
export function createCpuWindowSampler(
  groupsAt: (window: LoadWindow) => Promise<ProcessGroups>,
): WindowProbe {
  const timers: NodeJS.Timeout[] = [];
  let plannedSpanMs = 0;
  let groups: Promise<ProcessGroups | undefined> | undefined;
  let atStart: Promise<CpuSnapshot | undefined> | undefined;
  let atEnd: Promise<CpuSnapshot | undefined> | undefined;
  const snapshot = () =>
    groups?.then((listed) => listed && takeCpuSnapshot(listed)).catch(() => undefined);
  // unref: a run that failed never asks for the result, and must not be kept alive by these.
  const at = (epochMs: number, take: () => void) =>
    timers.push(setTimeout(take, Math.max(0, epochMs - Date.now())).unref());
  return {
    onWindow(window) {
      const endAtEpochMs =
        window.endEpochMs - endSnapshotLeadMs(window.endEpochMs - window.startEpochMs);
      plannedSpanMs = endAtEpochMs - window.startEpochMs;
      at(window.startEpochMs, () => {
        groups = groupsAt(window).catch(() => undefined);
        atStart = snapshot();
      });
      at(endAtEpochMs, () => {
        atEnd = snapshot();
      });
    },
    async result() {
      timers.forEach(clearTimeout);
      const [listed, before, after] = await Promise.all([groups, atStart, atEnd]);
      if (!listed || !before || !after) return undefined;
      const spanMs = Number(after.atNs - before.atNs) / 1e6;
      return Math.abs(spanMs - plannedSpanMs) <= plannedSpanMs * spanToleranceShare
        ? cpuUseBetween(listed, before, after)
        : undefined;
    },
  };
}
