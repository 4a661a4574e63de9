/**
 * Runs the raw-SQL baselines with pgbench against a scratch database on the same PostgreSQL the
 * wallet uses. pgbench's own summary gives the throughput; its per-transaction log (-l) gives
 * latency percentiles comparable with the gRPC scenarios'.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "@wallet/test-kit";
import { createLatencyHistogram } from "./latency-histogram.js";
import { failedMeasurement, type Measurement } from "./measurement.js";
import { latencyMsFromLogLine, parsePgbenchSummary } from "./pgbench-output.js";
import { hotUserId, type PgbenchVariant } from "./pgbench-scripts.js";

/** How long one pgbench run lasts: wall-clock seconds (-T), or transactions per client (-t). */
export type PgbenchLength = { seconds: number } | { transactionsPerClient: number };

export interface PgbenchRunSpec {
  length: PgbenchLength;
  /** An unmeasured run first, so caches and plans are warm; 0 skips it. */
  warmupSeconds: number;
  clients: number;
  threads: number;
  /**
   * A fixed arrival rate (pgbench -R) instead of as fast as the clients go. pgbench then measures
   * each transaction's latency from its scheduled start, so time spent behind a stalled client
   * counts, as in the bench's own open loop.
   */
  ratePerSec?: number;
}

export interface PgbenchRunner {
  /** Creates the scratch database with the wallet's tables and `userCount + 1` wallets. */
  setUp(): Promise<void>;
  run(variant: PgbenchVariant, spec: PgbenchRunSpec): Promise<Measurement>;
  /** Drops the scratch database; safe to call when setUp failed half-way. */
  tearDown(): Promise<void>;
}

export interface PgbenchRunnerDeps {
  pgbenchPath: string;
  /** The wallet's `migrate` command, so the scratch tables are exactly the wallet's. */
  migrateEntry: string;
  userCount: number;
  /** Bounds a run that hangs (a lock, a dead server) beyond its own duration. */
  runTimeoutMarginMs: number;
}

export function createPgbenchRunner(deps: PgbenchRunnerDeps): PgbenchRunner {
  let database: TestDatabase | undefined;
  let workDir: string | undefined;

  function connectionArgs(url: URL): { args: string[]; env: NodeJS.ProcessEnv } {
    const args = [
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username || "postgres"),
    ];
    const env = {
      ...process.env,
      ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
    };
    return { args, env };
  }

  function pgbench(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        deps.pgbenchPath,
        args,
        { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`pgbench failed: ${err.message}\n${stderr}`));
          else resolve(stdout);
        },
      );
    });
  }

  async function latencyFromLogs(dir: string, prefix: string) {
    const histogram = createLatencyHistogram();
    for (const file of await readdir(dir)) {
      if (!file.startsWith(`${prefix}.`)) continue;
      for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
        const latencyMs = latencyMsFromLogLine(line);
        if (latencyMs !== undefined) histogram.record(latencyMs);
      }
      // A later run of the same variant must not read these again.
      await rm(join(dir, file));
    }
    return histogram.summary();
  }

  return {
    async setUp() {
      database = await createTestDatabase("bench_sql");
      workDir = await mkdtemp(join(tmpdir(), "wallet-bench-pgbench-"));
      await new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          [deps.migrateEntry],
          {
            env: { ...process.env, DATABASE_URL: database!.url, LOG_LEVEL: "warn" },
            timeout: 60_000,
          },
          (err, _stdout, stderr) =>
            err
              ? reject(
                  new Error(`migrating the scratch database failed: ${err.message}\n${stderr}`),
                )
              : resolve(),
        );
      });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          "insert into wallets (user_id) select g from generate_series(1, $1::bigint) g",
          [hotUserId(deps.userCount)],
        );
        await client.query("vacuum analyze");
      } finally {
        await client.end();
      }
    },

    async run(variant, spec) {
      if (!database || !workDir) throw new Error("pgbench runner used before setUp()");
      const url = new URL(database.url);
      const { args: connArgs, env } = connectionArgs(url);
      const scriptPath = join(workDir, `${variant.name}.sql`);
      await writeFile(scriptPath, variant.script(deps.userCount));
      const rateArgs = spec.ratePerSec === undefined ? [] : ["-R", spec.ratePerSec.toFixed(1)];
      const common = [
        ...connArgs,
        "-n",
        "-M",
        "prepared",
        "-c",
        String(spec.clients),
        "-j",
        String(spec.threads),
        ...rateArgs,
        "-f",
        scriptPath,
      ];
      const databaseName = url.pathname.slice(1);
      const lengthSeconds = "seconds" in spec.length ? spec.length.seconds : 0;
      const timeoutMs = (spec.warmupSeconds + lengthSeconds) * 1000 + deps.runTimeoutMarginMs;
      try {
        if (spec.warmupSeconds > 0)
          await pgbench(
            [...common, "-T", String(spec.warmupSeconds), databaseName],
            env,
            timeoutMs,
          );
        const logPrefix = variant.name;
        const lengthArgs =
          "seconds" in spec.length
            ? ["-T", String(spec.length.seconds)]
            : ["-t", String(spec.length.transactionsPerClient)];
        const output = await pgbench(
          [
            ...common,
            ...lengthArgs,
            "-l",
            `--log-prefix=${join(workDir, logPrefix)}`,
            databaseName,
          ],
          env,
          timeoutMs,
        );
        const summary = parsePgbenchSummary(output);
        const durationMs =
          "seconds" in spec.length
            ? spec.length.seconds * 1000
            : (summary.transactions / summary.tps) * 1000;
        const latencyMs = await latencyFromLogs(workDir, logPrefix);
        const ok = summary.transactions > 0;
        return {
          name: variant.name,
          kind: "baseline",
          ok,
          ...(ok ? {} : { failure: "pgbench completed no transaction" }),
          durationMs: Math.round(durationMs),
          operations: summary.transactions,
          opsPerSec: summary.tps,
          errorsByCode:
            summary.failedTransactions > 0 ? { FAILED: summary.failedTransactions } : {},
          ...(latencyMs ? { latencyMs } : {}),
          details: {
            clients: spec.clients,
            pgbenchLatencyAverageMs: summary.latencyAverageMs,
            ...(spec.ratePerSec === undefined ? {} : { offeredRatePerSec: spec.ratePerSec }),
          },
        };
      } catch (err) {
        return failedMeasurement(variant.name, "baseline", (err as Error).message);
      }
    },

    async tearDown() {
      if (workDir) await rm(workDir, { recursive: true, force: true });
      workDir = undefined;
      await database?.drop();
      database = undefined;
    },
  };
}
