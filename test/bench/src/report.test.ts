import { describe, expect, it } from "vitest";
import { formatMs, formatRate, formatSpread, markdownTable, renderMarkdown } from "./report.js";
import { summarizeItems, type BenchReport } from "./summarize.js";

describe("report formatting", () => {
  it("pads every column of a markdown table to its widest cell", () => {
    expect(
      markdownTable(
        ["item", "ops/s"],
        [
          ["charge-spread", "4,210"],
          ["mixed", "12"],
        ],
      ),
    ).toBe(
      [
        "| item          | ops/s |",
        "| ------------- | ----- |",
        "| charge-spread | 4,210 |",
        "| mixed         | 12    |",
      ].join("\n"),
    );
  });

  it("shows one run's figure alone and several runs' as median (min–max)", () => {
    expect(formatSpread({ median: 4210.4, min: 4210.4, max: 4210.4, samples: 1 }, formatRate)).toBe(
      "4,210",
    );
    expect(formatSpread({ median: 4210, min: 3900.2, max: 4400.7, samples: 3 }, formatRate)).toBe(
      "4,210 (3,900–4,401)",
    );
    expect(formatSpread(undefined, formatRate)).toBe("—");
  });

  it("keeps about three significant digits of a latency", () => {
    expect(formatMs(0.1234)).toBe("0.12");
    expect(formatMs(12.345)).toBe("12.3");
    expect(formatMs(345.6)).toBe("346");
  });
});

describe("rendered report", () => {
  const spread = (value: number) => ({ median: value, min: value, max: value, samples: 1 });
  const report: BenchReport = {
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    settings: {
      durationMs: 10_000,
      warmupMs: 2_000,
      concurrency: 64,
      generators: 2,
      userCount: 10_000,
      smoke: false,
    },
    machine: { cpus: 2, node: "v20", loadAverage1mAtStart: 1, loadAverage1mAtEnd: 2 },
    runs: [],
    items: [
      {
        name: "charge-spread",
        kind: "scenario",
        okRuns: 1,
        failures: [],
        opsPerSec: spread(3000),
        latencyMs: { p50: spread(12), p90: spread(20), p99: spread(40), max: spread(90) },
        errorsByCode: { UNAVAILABLE: 2 },
        peakRssMb: { wallet: spread(120), settlement: spread(80), "bank-sim": spread(60) },
        cpu: {
          wallet: {
            busyCores: spread(0.874),
            waitingCores: spread(0.5),
            msPerCall: spread(0.2913),
          },
          postgres: {
            busyCores: spread(0.36),
            waitingCores: spread(0.11),
            msPerCall: spread(0.12),
          },
        },
        vsBaseline: { against: "raw-sql-charge", ratio: spread(0.75) },
        details: {},
      },
      {
        name: "grpc-noop",
        kind: "baseline",
        okRuns: 1,
        failures: [],
        opsPerSec: spread(9000),
        errorsByCode: {},
        peakRssMb: {},
        cpu: {
          "noop-server": {
            busyCores: spread(0.9),
            waitingCores: spread(0.2),
            msPerCall: { median: 0.1, min: 0.095, max: 0.1204, samples: 3 },
          },
        },
        details: {},
      },
      {
        name: "withdraw-e2e",
        kind: "scenario",
        okRuns: 0,
        failures: ["services/settlement is not built"],
        errorsByCode: {},
        peakRssMb: {},
        cpu: {},
        details: {},
      },
    ],
    targets: [
      {
        id: "a",
        label: "charge-spread / raw-sql-charge (10k users)",
        comparator: ">=",
        threshold: 1,
        unit: "×",
        value: spread(0.75),
        met: false,
      },
      {
        id: "b",
        label: "withdraw-e2e p99 accepted→completed",
        comparator: "<=",
        threshold: 300,
        unit: "ms",
      },
      {
        id: "c",
        label: "charge-latency p50 (the seed's bound)",
        comparator: "<",
        threshold: 50,
        unit: "ms",
        value: spread(3.2),
        met: true,
      },
    ],
    ok: false,
  };
  const markdown = renderMarkdown(report);

  it("shows a scenario's figures, errors by code, memory per service and its ratio to its baseline", () => {
    expect(markdown).toMatch(
      /\| charge-spread +\| 3,000 +\| 12\.0 +\| 20\.0 +\| 40\.0 +\| 90\.0 +\| UNAVAILABLE 2 +\| 120 \/ 80 \/ 60 +\| 0\.75× raw-sql-charge +\|/,
    );
  });

  it("shows where the CPU went: busy / waiting per process group, a dash for a group not measured", () => {
    expect(markdown).toMatch(
      /\| CPUs busy \/ threads waiting for a CPU \| wallet +\| postgres +\| generators +\| settlement +\| bank-sim +\| noop-server +\| server CPU ms\/call +\|/,
    );
    expect(markdown).toMatch(
      /\| charge-spread +\| 0\.87 \/ 0\.50 +\| 0\.36 \/ 0\.11 +\| — +\| — +\| — +\| — +\|/,
    );
    expect(markdown).not.toMatch(/\| withdraw-e2e +\| — +\| — +\|/);
  });

  it("puts the wallet's CPU per call and grpc-noop's server's in one column, the spread over runs beside the median", () => {
    expect(markdown).toMatch(/\| charge-spread +(\| [^|]+){6}\| 0\.291 +\|/);
    expect(markdown).toMatch(/\| grpc-noop +\| — +(\| [^|]+){5}\| 0\.100 \(0\.095–0\.120\) +\|/);
  });

  it("says why an item failed instead of showing zeros", () => {
    expect(markdown).toMatch(/\| withdraw-e2e +\| FAILED: services\/settlement is not built/);
  });

  it("marks each target met, NOT met or not measured", () => {
    expect(markdown).toMatch(
      /charge-spread \/ raw-sql-charge \(10k users\) +\| 0\.75× +\| ≥ 1\.00× +\| NOT met/,
    );
    expect(markdown).toMatch(
      /withdraw-e2e p99 accepted→completed +\| — +\| ≤ 300 ms +\| not measured/,
    );
    expect(markdown).toMatch(
      /charge-latency p50 \(the seed's bound\) +\| 3\.20 ms +\| < 50\.0 ms +\| met/,
    );
  });
});

describe("CPU figures over runs", () => {
  it("keeps each group's busy and waiting CPUs as median, min and max, and leaves out groups no run measured", () => {
    const run = (index: number, walletBusy: number) => ({
      run: index,
      cleanupProblems: [],
      measurements: [
        {
          name: "charge-latency",
          kind: "scenario" as const,
          ok: true,
          durationMs: 10_000,
          operations: 30_000,
          opsPerSec: 3_000,
          errorsByCode: {},
          details: {},
          cpu: { wallet: { busyCores: walletBusy, waitingCores: walletBusy / 2 } },
        },
      ],
    });
    const [item] = summarizeItems([run(1, 0.7), run(2, 0.9), run(3, 0.8)], {
      nominalWithdrawalsPerSec: 500,
    });
    expect(item?.cpu.wallet?.busyCores).toMatchObject({
      median: 0.8,
      min: 0.7,
      max: 0.9,
      samples: 3,
    });
    expect(item?.cpu.wallet?.waitingCores.median).toBeCloseTo(0.4);
    expect(item?.cpu.postgres).toBeUndefined();
  });

  it("divides a group's CPU over the window by the calls completed in it, failed ones included", () => {
    const measurement = {
      name: "charge-spread",
      kind: "scenario" as const,
      ok: true,
      durationMs: 10_000,
      operations: 39_000,
      opsPerSec: 3_900,
      errorsByCode: { UNAVAILABLE: 600, DEADLINE_EXCEEDED: 400 },
      details: {},
      cpu: {
        wallet: { busyCores: 0.8, waitingCores: 0.1 },
        generators: { busyCores: 0.2, waitingCores: 0 },
      },
    };
    const [item] = summarizeItems([{ run: 1, cleanupProblems: [], measurements: [measurement] }], {
      nominalWithdrawalsPerSec: 500,
    });
    // 0.8 CPUs for 10 s is 8,000 ms of CPU, over 40,000 calls.
    expect(item?.cpu.wallet?.msPerCall?.median).toBeCloseTo(0.2);
    expect(item?.cpu.generators?.msPerCall?.median).toBeCloseTo(0.05);
  });
});
