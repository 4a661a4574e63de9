import { describe, expect, it } from "vitest";
import {
  createCpuWindowSampler,
  cpuMsPerCall,
  cpuUseBetween,
  endSnapshotLeadMs,
  parseSchedstat,
  readProcessCpuTime,
  type CpuSnapshot,
} from "./cpu-use.js";

const ms = 1_000_000;
const snapshot = (atMs: number, times: [number, number, number][]): CpuSnapshot => ({
  atNs: BigInt(atMs * ms),
  times: new Map(
    times.map(([pid, runMs, waitMs]) => [pid, { runNs: runMs * ms, waitNs: waitMs * ms }]),
  ),
});

describe("schedstat", () => {
  it("reads run time and run-queue wait, in ns, from the first two fields", () => {
    expect(parseSchedstat("123456789 2000 45\n")).toEqual({ runNs: 123456789, waitNs: 2000 });
    expect(parseSchedstat("")).toBeUndefined();
    expect(parseSchedstat("garbage here")).toBeUndefined();
  });

  it("sums this process's threads (Linux)", async () => {
    const time = await readProcessCpuTime(process.pid);
    expect(time?.runNs).toBeGreaterThan(0);
    expect(await readProcessCpuTime(2 ** 30)).toBeUndefined();
  });
});

describe("CPU use between two snapshots", () => {
  it("gives each group its CPUs busy and threads waiting over the span, summed over its processes", () => {
    const groups = { wallet: [10], postgres: [20, 21] };
    const before = snapshot(0, [
      [10, 100, 10],
      [20, 0, 0],
      [21, 50, 0],
    ]);
    const after = snapshot(1000, [
      [10, 800, 310],
      [20, 200, 50],
      [21, 150, 50],
    ]);
    const use = cpuUseBetween(groups, before, after);
    expect(use.wallet?.busyCores).toBeCloseTo(0.7);
    expect(use.wallet?.waitingCores).toBeCloseTo(0.3);
    expect(use.postgres?.busyCores).toBeCloseTo(0.3);
    expect(use.postgres?.waitingCores).toBeCloseTo(0.1);
  });

  it("never invents time: a process unreadable at either end is left out, a shrinking counter gives zero", () => {
    const groups = { wallet: [10], postgres: [20, 22], generators: [30] };
    const before = snapshot(0, [
      [20, 0, 0],
      [22, 500, 0],
      [30, 900, 0],
    ]);
    const after = snapshot(500, [
      [10, 900, 0],
      [20, 100, 0],
      [30, 100, 0],
    ]);
    const use = cpuUseBetween(groups, before, after);
    expect(use.wallet).toBeUndefined();
    expect(use.postgres?.busyCores).toBeCloseTo(0.2);
    expect(use.generators?.busyCores).toBe(0);
    expect(cpuUseBetween(groups, after, after)).toEqual({});
  });
});

describe("CPU time per call", () => {
  it("is the CPUs kept busy times the window, over the calls completed in it", () => {
    // Half a CPU for 10 s is 5,000 ms of CPU; over 50,000 calls, 0.1 ms each.
    expect(cpuMsPerCall(0.5, 50_000, 10_000)).toBeCloseTo(0.1);
    expect(cpuMsPerCall(1.5, 3_000, 2_000)).toBeCloseTo(1);
    expect(cpuMsPerCall(0, 100, 10_000)).toBe(0);
  });

  it("has no figure for a window without calls", () => {
    expect(cpuMsPerCall(0.5, 0, 10_000)).toBeUndefined();
  });
});

describe("the window sampler", () => {
  const burnHalfOfEvery10Ms = () =>
    setInterval(() => {
      const until = Date.now() + 5;
      while (Date.now() < until);
    }, 10);

  it("measures a process over a load window, ending a little before the window does", async () => {
    const probe = createCpuWindowSampler(async (window) => ({ generators: window.generatorPids }));
    const startEpochMs = Date.now() + 50;
    probe.onWindow({ startEpochMs, endEpochMs: startEpochMs + 600, generatorPids: [process.pid] });
    const burner = burnHalfOfEvery10Ms();
    await new Promise((resolve) => setTimeout(resolve, 700));
    clearInterval(burner);
    const use = await probe.result();
    expect(use?.generators?.busyCores).toBeGreaterThan(0.1);
    expect(use?.generators?.busyCores).toBeLessThan(1.5);
    expect(endSnapshotLeadMs(600)).toBe(60);
    expect(endSnapshotLeadMs(10_000)).toBe(200);
  });

  it("gives no figures when its snapshots came late (a stalled bench process) or never came", async () => {
    const late = createCpuWindowSampler(async (window) => ({ generators: window.generatorPids }));
    const startEpochMs = Date.now() + 20;
    late.onWindow({ startEpochMs, endEpochMs: startEpochMs + 200, generatorPids: [process.pid] });
    const until = Date.now() + 400;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await late.result()).toBeUndefined();

    const early = createCpuWindowSampler(async () => ({}));
    early.onWindow({
      startEpochMs: Date.now() + 10_000,
      endEpochMs: Date.now() + 20_000,
      generatorPids: [],
    });
    expect(await early.result()).toBeUndefined();
  });
});
