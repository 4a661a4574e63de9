/**
 * The bench's options: flags, plus the two environment variables it honours (NATS_URL and
 * PGBENCH). Everything is validated up front and every problem is listed at once, so a typo does
 * not surface ten minutes into a run.
 */
import { parseArgs } from "node:util";
import { loadConfig, urlVar, z } from "@wallet/config";
import { itemNames, prerequisites, type ItemName } from "./catalogue.js";
import { transportNames, type TransportName } from "./unary-transport.js";

export interface BenchOptions {
  smoke: boolean;
  runs: number;
  /** The measured window of each scenario and baseline. */
  durationMs: number;
  /** Load before the window that is not measured: connections, JIT, caches, plans. */
  warmupMs: number;
  /** In execution order, prerequisites included. */
  items: readonly ItemName[];
  outFile: string;
  /** An already running wallet; when absent the bench starts the whole system itself. */
  walletAddress: string | undefined;
  /** That wallet's database, for withdraw-e2e's completion counts. */
  databaseUrl: string | undefined;
  /** Closed-loop callers in flight, over all generator processes. */
  concurrency: number;
  generators: number;
  /** How the load generators make their calls. */
  client: TransportName;
  userCount: number;
  /** The bank-sim's fixed latency and settlement's workers: nominal capacity workers / latency. */
  bankLatencyMs: number;
  settlementWorkers: number;
  /** Withdrawals withdraw-e2e keeps unfinished in the settlement pipeline (the pipeline load shape). */
  withdrawPipelineMax: number;
  /**
   * withdraw-e2e's warm-up: at least 8 s outside smoke runs, because its pipeline reaches a steady
   * state only once the services' code has warmed up
   * (docs/decisions/2026-11-27-bench-load-generators.md).
   */
  withdrawWarmupMs: number;
  /** Open-loop scenarios shed calls past this many outstanding. */
  openLoopInFlightMax: number;
  /** How long withdraw-e2e waits after the load for the last withdrawals to settle. */
  drainTimeoutMs: number;
  callDeadlineMs: number;
  pgbenchClients: number;
  pgbenchThreads: number;
  /** Smoke runs fix pgbench's length in transactions per client: -T cannot go below a second. */
  pgbenchTransactionsPerClient: number | undefined;
  natsUrl: string;
  pgbenchPath: string;
}

export const usage = `usage: bench [options]
  --smoke                  every scenario and baseline, tiny durations (for CI); exit 0 when all ran
  --runs N                 repeat everything N times and report median, min and max (default 1)
  --duration-ms N          measured window per scenario (default 10000; smoke 500)
  --warmup-ms N            unmeasured load before each window (default 2000, at least 8000 for
                           withdraw-e2e, whose pipeline takes longer to settle; smoke 100)
  --scenarios a,b          only these (default all): ${itemNames.join(", ")}
  --out FILE               JSON report (default bench-results/bench-<time>.json)
  --wallet HOST:PORT       use a running wallet instead of starting the system
  --database-url URL       that wallet's database (withdraw-e2e and withdraw-latency need it)
  --concurrency N          closed-loop callers (default 64)
  --generators N           load-generator processes (default 2); an open loop uses one per 5,000 calls/s, at most N
  --client frames|grpc-js  the generators' gRPC client (default frames: HTTP/2 frames on a socket, the
                           leanest; grpc-js: the stock client)
  --users N                spread users (default 10000; smoke 1000)
  --withdraw-pipeline N    withdrawals withdraw-e2e keeps unfinished end to end (default 80: settlement's
                           50 workers, its 20-message buffer, and room for refills on their way)
environment: NATS_URL (default nats://127.0.0.1:4222), PGBENCH (default /usr/bin/pgbench),
             TEST_DATABASE_URL (the PostgreSQL server; default postgres://postgres@127.0.0.1:5432/postgres)`;

export class OptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid options:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "OptionsError";
  }
}

const environmentSchema = z.object({
  NATS_URL: urlVar("nats://127.0.0.1:4222", ["nats", "tls"]),
  PGBENCH: z.string().min(1).default("/usr/bin/pgbench"),
});

/** Returns undefined for `--help`. */
export function parseBenchOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        smoke: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        runs: { type: "string" },
        "duration-ms": { type: "string" },
        "warmup-ms": { type: "string" },
        scenarios: { type: "string" },
        out: { type: "string" },
        wallet: { type: "string" },
        "database-url": { type: "string" },
        concurrency: { type: "string" },
        generators: { type: "string" },
        client: { type: "string" },
        users: { type: "string" },
        "withdraw-pipeline": { type: "string" },
      },
    }));
  } catch (err) {
    throw new OptionsError([(err as Error).message]);
  }
  if (values.help) return undefined;

  const problems: string[] = [];
  const smoke = values.smoke === true;
  const integer = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(
        `--${flag}: must be an integer in [${min}, ${max}] (got ${JSON.stringify(raw)})`,
      );
      return fallback;
    }
    return value;
  };

  const runs = integer("runs", 1, 1, 10);
  const durationMs = integer("duration-ms", smoke ? 500 : 10_000, 100, 600_000);
  const warmupMs = integer("warmup-ms", smoke ? 100 : 2_000, 0, 60_000);
  const concurrency = integer("concurrency", 64, 1, 1_024);
  const generators = integer("generators", 2, 1, 16);
  const client = (values.client ?? "frames") as TransportName;
  if (!transportNames.includes(client))
    problems.push(
      `--client: must be one of ${transportNames.join(", ")} (got ${JSON.stringify(values.client)})`,
    );
  const userCount = integer("users", smoke ? 1_000 : 10_000, 1, 1_000_000);
  const bankLatencyMs = 100;
  const settlementWorkers = 50;
  const withdrawPipelineMax = integer("withdraw-pipeline", 80, 1, 10_000);

  const items = selectItems(
    typeof values.scenarios === "string" ? values.scenarios : undefined,
    problems,
  );

  const walletAddress = typeof values.wallet === "string" ? values.wallet : undefined;
  if (walletAddress !== undefined && !/^[^:\s]+:\d{1,5}$/.test(walletAddress))
    problems.push(`--wallet: must be host:port (got ${JSON.stringify(walletAddress)})`);
  const databaseUrl =
    typeof values["database-url"] === "string" ? values["database-url"] : undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push("--database-url: must be a postgres:// URL");
  if (databaseUrl !== undefined && walletAddress === undefined)
    problems.push("--database-url: only meaningful with --wallet");

  let environment: z.infer<typeof environmentSchema> | undefined;
  try {
    environment = loadConfig(environmentSchema, env);
  } catch (err) {
    problems.push(...((err as { problems?: string[] }).problems ?? [String(err)]));
  }

  if (problems.length > 0 || !environment) throw new OptionsError(problems);
  const outFile =
    typeof values.out === "string"
      ? values.out
      : `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  return Object.freeze({
    smoke,
    runs,
    durationMs,
    warmupMs,
    items,
    outFile,
    walletAddress,
    databaseUrl,
    concurrency,
    generators,
    client,
    userCount,
    bankLatencyMs,
    settlementWorkers,
    withdrawPipelineMax,
    withdrawWarmupMs: smoke ? warmupMs : Math.max(warmupMs, 8_000),
    openLoopInFlightMax: concurrency * 4,
    drainTimeoutMs: smoke ? 5_000 : 15_000,
    callDeadlineMs: 5_000,
    pgbenchClients: 16,
    pgbenchThreads: 2,
    pgbenchTransactionsPerClient: smoke ? 20 : undefined,
    natsUrl: environment.NATS_URL,
    pgbenchPath: environment.PGBENCH,
  });
}

/** The chosen items in catalogue order, each with what it needs. */
function selectItems(list: string | undefined, problems: string[]): readonly ItemName[] {
  if (list === undefined) return itemNames;
  const wanted = new Set<ItemName>();
  for (const raw of list
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean)) {
    if ((itemNames as readonly string[]).includes(raw)) wanted.add(raw as ItemName);
    else problems.push(`--scenarios: unknown "${raw}" (known: ${itemNames.join(", ")})`);
  }
  for (const name of [...wanted]) {
    const prerequisite = prerequisites[name];
    if (prerequisite) wanted.add(prerequisite);
  }
  if (wanted.size === 0 && problems.length === 0) problems.push("--scenarios: names no scenario");
  return itemNames.filter((name) => wanted.has(name));
}
