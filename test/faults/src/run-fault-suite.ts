/**
 * The fault suite as a function: starts a private PostgreSQL and NATS, the real services on them,
 * runs every scenario in order against one reference model, prints the table, and cleans up
 * everything it started whatever happens. main.ts and the vitest test both call it.
 */
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uniqueName } from "@wallet/test-kit";
import { setBankBehaviour } from "@wallet/test-kit";
import { createDatabaseProbe } from "./checks/database-probe.js";
import { WalletDriver } from "./clients/wallet-driver.js";
import { killChildProcessesNow } from "./infra/child-sweep.js";
import { baselineBankBehaviour, startFaultSystem } from "./infra/fault-system.js";
import {
  createDatabase,
  startPrivatePostgres,
  type PrivatePostgres,
} from "./infra/private-postgres.js";
import { startPrivateNats, type PrivateNats } from "./infra/private-nats.js";
import { ReferenceModel } from "./model/reference-model.js";
import { Random } from "./random.js";
import { renderDetails, renderTable } from "./report/report-table.js";
import { newScenarioReport, type ScenarioReport } from "./report/scenario-report.js";
import { bankMisbehaviour } from "./scenarios/bank-misbehaviour.js";
import { crashUnderLoad } from "./scenarios/crash-under-load.js";
import { duplicateKeyBursts } from "./scenarios/duplicate-keys.js";
import { hostileGrpc } from "./scenarios/hostile-grpc.js";
import { hostileHttp } from "./scenarios/hostile-http.js";
import { hostileHttp2 } from "./scenarios/hostile-http2.js";
import { natsOutage } from "./scenarios/nats-outage.js";
import { overdraftRace } from "./scenarios/overdraft-race.js";
import { postgresOutage } from "./scenarios/postgres-outage.js";
import { rawProtobuf } from "./scenarios/raw-protobuf.js";
import { releaseMidRun } from "./scenarios/release-mid-run.js";
import type { SuiteContext } from "./suite-context.js";
import { ciSettings, fullSettings } from "./suite-settings.js";

export interface FaultSuiteOptions {
  ci: boolean;
  seed?: number;
  /** Scenario numbers (1-4) to run; all when absent. */
  only?: readonly number[];
  /** Where progress lines go; stderr by default. */
  log?: (line: string) => void;
}

export interface FaultSuiteResult {
  seed: number;
  mode: "ci" | "full";
  reports: ScenarioReport[];
  violations: number;
  /** Failures of the suite itself (it could not run a scenario): a failed run, not a finding. */
  errors: string[];
  durationMs: number;
  /** The table and the details, ready to print. */
  text: string;
}

type Scenario = {
  number: number;
  run: (ctx: SuiteContext) => Promise<ScenarioReport>;
  name: string;
};

const scenarios: readonly Scenario[] = [
  { number: 1, name: "1 kill -9 under load", run: crashUnderLoad },
  { number: 2, name: "2a PostgreSQL outages", run: postgresOutage },
  { number: 2, name: "2b NATS outage", run: natsOutage },
  { number: 2, name: "2c bank misbehaviour", run: bankMisbehaviour },
  { number: 3, name: "3a overdraft race", run: overdraftRace },
  { number: 3, name: "3b duplicate keys", run: duplicateKeyBursts },
  { number: 3, name: "3c release mid-run", run: releaseMidRun },
  { number: 4, name: "4a hostile gRPC", run: hostileGrpc },
  { number: 4, name: "4b malformed protobuf", run: rawProtobuf },
  { number: 4, name: "4c hostile HTTP", run: hostileHttp },
  { number: 4, name: "4d hostile HTTP/2", run: hostileHttp2 },
];

export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const settings = options.ci ? ciSettings : fullSettings;
  log(
    `[faults] ${settings.mode} run, seed ${seed} (reproduce with --seed ${seed}${options.ci ? " --ci" : ""})`,
  );

  const workDir = mkdtempSync(join(tmpdir(), "wallet-faults-"));
  const cleanups: (() => Promise<void>)[] = [];
  const lastResort: (() => void)[] = [];
  // An exit mid-run (Ctrl-C, a fatal error) still kills every process the suite started.
  const onExit = () => {
    lastResort.forEach((kill) => kill());
    killChildProcessesNow();
    try {
      rmSync(workDir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A server still exiting may hold a file for a moment; a stray temp dir is harmless.
    }
  };
  process.once("exit", onExit);
  const reports: ScenarioReport[] = [];
  const errors: string[] = [];
  try {
    const postgres: PrivatePostgres = await startPrivatePostgres(workDir);
    cleanups.push(() => postgres.close());
    lastResort.push(() => postgres.killNow());
    const nats: PrivateNats = await startPrivateNats(workDir);
    cleanups.push(() => nats.close());
    lastResort.push(() => nats.killNow());
    log(
      `[faults] private PostgreSQL on ${postgres.port}, NATS at ${nats.url}, work dir ${workDir}`,
    );

    const databaseUrl = await createDatabase(postgres, "wallet_faults");
    const system = await startFaultSystem({
      databaseUrl,
      natsUrl: nats.url,
      natsPrefix: uniqueName("faults"),
      workDir,
      seed,
    });
    cleanups.push(() => system.stopAll());
    lastResort.push(() => system.killAllNow());
    const model = new ReferenceModel();
    const driver = new WalletDriver({
      model,
      walletAddresses: system.walletAddresses,
      gatewayUrl: system.gatewayUrl,
      callTimeoutMs: 5_000,
    });
    cleanups.push(async () => driver.close());
    const probe = createDatabaseProbe(databaseUrl);
    cleanups.push(() => probe.close());
    let keys = 0;
    const runTag = seed.toString(36);
    const ctx: SuiteContext = {
      seed,
      settings,
      postgres,
      nats,
      system,
      model,
      driver,
      probe,
      random: new Random(seed),
      reported: { users: new Map(), references: new Set(), ledgerLines: new Set() },
      newKey: (prefix) => `${prefix}-${runTag}-${(keys += 1)}`,
    };
    log(`[faults] system up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    for (const scenario of scenarios) {
      if (options.only && !options.only.includes(scenario.number)) continue;
      const scenarioStarted = Date.now();
      log(`[faults] ${scenario.name} ...`);
      let report: ScenarioReport;
      try {
        report = await scenario.run(ctx);
      } catch (err) {
        report = newScenarioReport(scenario.name);
        const message = `${scenario.name} could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
        errors.push(message);
        report.notes.push(message);
        report.ledgerCheck = "not run (suite error)";
        // Leave the next scenario a working system: every process up, the bank behaving.
        for (const name of ["bank-sim", "wallet-0", "wallet-1", "settlement", "gateway"] as const)
          await system.start(name).catch(() => undefined);
        await setBankBehaviour(system.bankUrl, baselineBankBehaviour).catch(() => undefined);
      }
      report.durationMs = Date.now() - scenarioStarted;
      reports.push(report);
      log(
        `[faults] ${scenario.name}: ${report.operationsSent} ops, ${report.faultsInjected} faults, ${report.violations.length} violations, ledger ${report.ledgerCheck} (${(report.durationMs / 1000).toFixed(1)} s)`,
      );
    }
  } catch (err) {
    errors.push(
      `the suite could not start or finish: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err: unknown) => errors.push(`clean-up failed: ${String(err)}`));
    process.removeListener("exit", onExit);
    rmSync(workDir, { recursive: true, force: true });
  }

  const violations = reports.reduce((sum, r) => sum + r.violations.length, 0);
  const durationMs = Date.now() - started;
  const text = [
    `fault suite: ${settings.mode} run, seed ${seed}, ${(durationMs / 1000).toFixed(1)} s`,
    "",
    renderTable(reports),
    "",
    renderDetails(reports),
    ...(errors.length > 0
      ? ["", "SUITE ERRORS (the run is invalid):", ...errors.map((e) => `  ${e}`)]
      : []),
  ].join("\n");
  return { seed, mode: settings.mode, reports, violations, errors, durationMs, text };
}
