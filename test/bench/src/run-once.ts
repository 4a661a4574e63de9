/**
 * One run of the bench: starts what the chosen items need, measures each item in catalogue
 * order, and cleans up whatever happened. A failing item is recorded as failed and the run goes
 * on, so one broken scenario does not hide the figures of the others.
 */
import { randomBytes } from "node:crypto";
import {
  baselineNames,
  needsSeededUsers,
  needsSystem,
  prerequisites,
  type ItemName,
} from "./catalogue.js";
import type { BenchOptions } from "./cli-options.js";
import { createCpuWindowSampler, findPostgresPids, type ProcessGroups } from "./cpu-use.js";
import { measurementFromLoad, openLoopDetails } from "./load-measurement.js";
import type { LoadShape, WorkloadName } from "./load-protocol.js";
import { createLoadRunner } from "./load-runner.js";
import { failedMeasurement, type Measurement, type ServiceName } from "./measurement.js";
import { startNoopServer } from "./noop-server-launcher.js";
import { withPeakRss } from "./peak-rss.js";
import { createPgbenchRunner, type PgbenchRunner, type PgbenchRunSpec } from "./pgbench-runner.js";
import { pgbenchVariants, type PgbenchVariant } from "./pgbench-scripts.js";
import { seedUsers } from "./seed-users.js";
import { serviceEntries } from "./service-entries.js";
import { existingSystem, launchSystem, type SystemUnderTest } from "./system-launcher.js";
import { measureWithdrawE2e, type WithdrawE2eDeps } from "./withdraw-e2e.js";

export interface RunResult {
  run: number;
  measurements: Measurement[];
  /** Problems met while cleaning up: reported, but they do not change the figures. */
  cleanupProblems: string[];
}

export interface RunContext {
  options: BenchOptions;
  log(line: string): void;
  /** True once the user pressed Ctrl-C: finish cleaning up, measure nothing more. */
  interrupted(): boolean;
}

/**
 * How long withdraw-e2e waits for earlier scenarios' withdrawals to settle before it starts: they
 * are not counted, but they would take settlement capacity from the measured ones.
 */
const settleBeforeMs = 20_000;
/**
 * How often withdraw-e2e's generator counts the pipeline: a count every 10 ms is about 100 cheap
 * queries a second (an index of pending withdrawals), and refills come at most 10 ms late.
 */
const pipelinePollIntervalMs = 10;
/** Bounds a pgbench run that hangs (a lock, a dead server) beyond its own length. */
const pgbenchTimeoutMarginMs = 30_000;

/** grpc-noop's items, by whether they run open loop at charge-latency's rate (or closed loop). */
const noopAtLatencyRate: Partial<Record<ItemName, boolean>> = {
  "grpc-noop": false,
  "grpc-noop-latency": true,
};

const kindOf = (name: ItemName) =>
  (baselineNames as readonly string[]).includes(name) ? "baseline" : "scenario";

export async function runOnce(run: number, context: RunContext): Promise<RunResult> {
  const { options, log } = context;
  const loadRunner = createLoadRunner({
    generatorEntry: serviceEntries.loadGenerator(),
    generatorCount: options.generators,
  });
  const measurements = new Map<ItemName, Measurement>();
  const cleanupProblems: string[] = [];
  let system: SystemUnderTest | undefined;
  let systemFailure: string | undefined;
  let pgbench: PgbenchRunner | undefined;
  let pgbenchFailure: string | undefined;

  const closedLoop: LoadShape = { kind: "closed", concurrency: options.concurrency };
  /** `servers`: the processes behind `address` (and the rest of the system), whose CPU use is reported. */
  const load = (
    address: string,
    servers: ProcessGroups,
    workload: WorkloadName,
    shape: LoadShape,
    warmupMs = options.warmupMs,
  ) => {
    const cpuProbe = createCpuWindowSampler(async (window) => ({
      ...servers,
      postgres: await findPostgresPids(),
      generators: window.generatorPids,
    }));
    return loadRunner.run(
      {
        address,
        client: options.client,
        workload,
        shape,
        userCount: options.userCount,
        warmupMs,
        durationMs: options.durationMs,
        callDeadlineMs: options.callDeadlineMs,
        keyPrefix: `bench-${run}-${workload}-${randomBytes(4).toString("hex")}`,
      },
      cpuProbe,
    );
  };

  const pgbenchSpec: PgbenchRunSpec = {
    length:
      options.pgbenchTransactionsPerClient !== undefined
        ? { transactionsPerClient: options.pgbenchTransactionsPerClient }
        : { seconds: Math.max(1, Math.round(options.durationMs / 1000)) },
    warmupSeconds:
      options.pgbenchTransactionsPerClient !== undefined ? 0 : Math.round(options.warmupMs / 1000),
    clients: options.pgbenchClients,
    threads: options.pgbenchThreads,
  };

  /** The scratch database is set up by the first raw-SQL baseline and shared by the others. */
  async function runPgbench(variant: PgbenchVariant, spec = pgbenchSpec): Promise<Measurement> {
    if (!pgbench && !pgbenchFailure) {
      const migrateEntry = serviceEntries.walletMigrate();
      if (!migrateEntry)
        pgbenchFailure =
          "services/wallet is not built (its migrate command creates the scratch tables)";
      else {
        const runner = createPgbenchRunner({
          pgbenchPath: options.pgbenchPath,
          migrateEntry,
          userCount: options.userCount,
          runTimeoutMarginMs: pgbenchTimeoutMarginMs,
        });
        try {
          await runner.setUp();
          pgbench = runner;
        } catch (err) {
          pgbenchFailure = `setting up the scratch database failed: ${(err as Error).message}`;
          await runner.tearDown().catch(() => undefined);
        }
      }
    }
    return pgbench
      ? pgbench.run(variant, spec)
      : failedMeasurement(variant.name, "baseline", pgbenchFailure!);
  }

  /** A latency scenario runs at half of what its prerequisite measured in this run. */
  function halfOfPrerequisite(name: ItemName): number | undefined {
    const measured = measurements.get(prerequisites[name]!);
    return measured?.ok && measured.opsPerSec > 0 ? measured.opsPerSec / 2 : undefined;
  }

  const missingPrerequisite = (name: ItemName) =>
    failedMeasurement(
      name,
      kindOf(name),
      `needs ${prerequisites[name]}'s ops/s from the same run, and it has none`,
    );

  async function measureScenario(name: ItemName, sut: SystemUnderTest): Promise<Measurement> {
    const loadWallet = (workload: WorkloadName, shape: LoadShape, warmupMs?: number) =>
      load(sut.walletAddress, systemGroups(sut), workload, shape, warmupMs);
    switch (name) {
      case "charge-spread":
      case "charge-hot":
      case "balance-read":
      case "mixed":
        return measurementFromLoad(name, "scenario", await loadWallet(name, closedLoop));
      case "charge-latency": {
        const ratePerSec = halfOfPrerequisite(name);
        if (ratePerSec === undefined) return missingPrerequisite(name);
        const result = await loadWallet("charge-spread", {
          kind: "open",
          ratePerSec,
          inFlightMax: options.openLoopInFlightMax,
        });
        return measurementFromLoad(name, "scenario", result, openLoopDetails(ratePerSec, result));
      }
      case "withdraw-e2e":
      case "withdraw-latency": {
        if (sut.settlementMissing || !sut.databaseUrl)
          return failedMeasurement(name, "scenario", sut.settlementMissing ?? "no database");
        let shape: WithdrawE2eDeps["shape"];
        let warmupMs = options.warmupMs;
        if (name === "withdraw-e2e") {
          shape = {
            kind: "pipeline",
            inPipelineMax: options.withdrawPipelineMax,
            pollIntervalMs: pipelinePollIntervalMs,
            databaseUrl: sut.databaseUrl,
          };
          warmupMs = options.withdrawWarmupMs;
        } else {
          const ratePerSec = halfOfPrerequisite(name);
          if (ratePerSec === undefined) return missingPrerequisite(name);
          shape = { kind: "open", ratePerSec, inFlightMax: options.openLoopInFlightMax };
        }
        return measureWithdrawE2e({
          name,
          databaseUrl: sut.databaseUrl,
          shape,
          settleBeforeMs,
          drainTimeoutMs: options.drainTimeoutMs,
          runWithdrawLoad: (shape) => loadWallet("withdraw", shape, warmupMs),
        });
      }
      default:
        throw new Error(`${name} is not a wallet scenario`);
    }
  }

  /** Drives a fresh no-op server, closed loop or open loop. */
  async function measureNoop(name: ItemName, atLatencyRate: boolean): Promise<Measurement> {
    const ratePerSec = atLatencyRate ? halfOfPrerequisite(name) : undefined;
    if (atLatencyRate && ratePerSec === undefined) return missingPrerequisite(name);
    const noop = await startNoopServer();
    try {
      const server = noop.process.child.pid;
      const groups: ProcessGroups = server === undefined ? {} : { "noop-server": [server] };
      if (ratePerSec === undefined)
        return measurementFromLoad(
          name,
          "baseline",
          await load(noop.address, groups, "noop", closedLoop),
        );
      const result = await load(noop.address, groups, "noop", {
        kind: "open",
        ratePerSec,
        inFlightMax: options.openLoopInFlightMax,
      });
      return measurementFromLoad(name, "baseline", result, openLoopDetails(ratePerSec, result));
    } finally {
      await noop.process.stop(5_000);
    }
  }

  async function measure(name: ItemName): Promise<Measurement> {
    const atLatencyRate = noopAtLatencyRate[name];
    if (atLatencyRate !== undefined) return measureNoop(name, atLatencyRate);
    const variant = pgbenchVariants.find((candidate) => candidate.name === name);
    if (variant && prerequisites[name]) {
      // At charge-latency's rate, for the same window length whatever the smoke settings.
      const ratePerSec = halfOfPrerequisite(name);
      if (ratePerSec === undefined) return missingPrerequisite(name);
      return runPgbench(variant, {
        ...pgbenchSpec,
        length: { seconds: Math.max(1, Math.round(options.durationMs / 1000)) },
        ratePerSec,
      });
    }
    if (variant) return runPgbench(variant);
    const sut = system;
    if (!sut)
      return failedMeasurement(name, "scenario", systemFailure ?? "the system is not running");
    return withPeakRss(sut.pids, () => measureScenario(name, sut));
  }

  try {
    if (options.items.some(needsSystem)) {
      try {
        system = options.walletAddress
          ? existingSystem(options.walletAddress, options.databaseUrl)
          : await launchSystem({
              natsUrl: options.natsUrl,
              bankLatencyMs: options.bankLatencyMs,
              settlementWorkers: options.settlementWorkers,
              log,
            });
        if (options.items.some(needsSeededUsers)) {
          log(`run ${run}: seeding ${options.userCount} users`);
          await seedUsers(
            system.walletAddress,
            options.userCount,
            options.concurrency,
            options.callDeadlineMs,
          );
        }
      } catch (err) {
        systemFailure = `starting the system failed: ${(err as Error).message}`;
        log(systemFailure);
      }
    }
    for (const name of options.items) {
      if (context.interrupted()) break;
      log(`run ${run}: ${name}…`);
      const measurement = await measure(name).catch((err: unknown) =>
        failedMeasurement(name, kindOf(name), (err as Error).message),
      );
      measurements.set(name, measurement);
      log(`run ${run}: ${oneLine(measurement)}`);
    }
  } finally {
    if (system) cleanupProblems.push(...(await system.stop()));
    if (pgbench)
      await pgbench
        .tearDown()
        .catch((err: unknown) =>
          cleanupProblems.push(`dropping the pgbench database: ${String(err)}`),
        );
  }
  return { run, measurements: [...measurements.values()], cleanupProblems };
}

/** The system's service processes as CPU groups (none when the bench uses a running system). */
function systemGroups(sut: SystemUnderTest): ProcessGroups {
  const groups: ProcessGroups = {};
  for (const [service, pid] of Object.entries(sut.pids)) groups[service as ServiceName] = [pid];
  return groups;
}

function oneLine(measurement: Measurement): string {
  if (!measurement.ok) return `${measurement.name}: FAILED: ${measurement.failure}`;
  const latency = measurement.latencyMs;
  const errors = Object.values(measurement.errorsByCode).reduce((sum, count) => sum + count, 0);
  return (
    `${measurement.name}: ${measurement.opsPerSec.toFixed(0)} ops/s` +
    (latency ? `, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms` : "") +
    `, ${errors} errors`
  );
}
