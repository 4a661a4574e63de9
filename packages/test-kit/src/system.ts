/**
 * Starts the real services as processes, wired together on free ports, against a throwaway
 * database and a private set of NATS streams, for the end-to-end tests. Everything it starts,
 * `stop()` stops and removes.
 */
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { topology } from "@wallet/messages";
import { createTestDatabase, uniqueName, type TestDatabase } from "./database.js";
import type { ServiceProcess } from "./process.js";
import { createSystemLauncher } from "./system-launcher.js";

export interface SystemOptions {
  wallets?: number;
  settlements?: number;
  gateway?: boolean;
  natsUrl?: string;
  walletEnv?: Record<string, string>;
  settlementEnv?: Record<string, string>;
  bankEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

export interface RunningSystem {
  database: TestDatabase;
  natsPrefix: string;
  natsUrl: string;
  bankUrl: string;
  bank: ServiceProcess;
  wallets: ServiceProcess[];
  /** host:port of each wallet's gRPC server, in the order of `wallets`. */
  walletAddresses: readonly string[];
  walletOpsPorts: readonly number[];
  settlements: ServiceProcess[];
  gateway?: ServiceProcess;
  gatewayUrl?: string;
  /** Starts another wallet on the same database and streams (or restarts wallet i). */
  startWallet(index?: number): Promise<ServiceProcess>;
  /** Starts another settlement instance (or restarts settlement i). */
  startSettlement(index?: number): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const database = await createTestDatabase("wallet_e2e");
  const natsPrefix = uniqueName("e2e");
  const natsUrl = options.natsUrl ?? "nats://127.0.0.1:4222";
  const system = await createSystemLauncher({
    wallets: options.wallets,
    settlements: options.settlements,
    gateway: options.gateway,
    databaseUrl: database.url,
    natsUrl,
    natsPrefix,
    loopback: true,
    env: {
      bankSim: { BANK_SIM_LATENCY_MS_MIN: "5", BANK_SIM_LATENCY_MS_MAX: "20", ...options.bankEnv },
      wallet: {
        OUTBOX_SWEEP_INTERVAL_MS: "250",
        RESULTS_RETRY_DELAY_MS: "200",
        ...options.walletEnv,
      },
      settlement: options.settlementEnv,
      gateway: options.gatewayEnv,
    },
  }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  const stop = async () => {
    await system.stopAll();
    await database.drop();
    await deleteStreams(natsUrl, natsPrefix);
  };
  await system.startAll().catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  const processes = (kind: "wallet" | "settlement") =>
    system.names(kind).map((name) => system.process(name)!);
  /** Restarts instance `index` of a kind, or starts one more when there is none. */
  const startInstance = async (kind: "wallet" | "settlement", index: number | undefined) => {
    const existing = index === undefined ? undefined : system.names(kind)[index];
    return system.start(existing ?? (await system.addInstance(kind)));
  };
  return {
    database,
    natsPrefix,
    natsUrl,
    bankUrl: system.bankUrl!,
    bank: system.process("bank-sim")!,
    get wallets() {
      return processes("wallet");
    },
    walletAddresses: system.walletAddresses,
    walletOpsPorts: system.walletOpsPorts,
    get settlements() {
      return processes("settlement");
    },
    gateway: options.gateway ? system.process("gateway") : undefined,
    gatewayUrl: system.gatewayUrl,
    startWallet: (index) => startInstance("wallet", index),
    startSettlement: (index) => startInstance("settlement", index),
    stop,
  };
}

/**
 * Removes a test run's streams (and with them their consumers). Best effort: what went wrong is
 * returned, not thrown; a stream that was never created is not a problem.
 */
export async function deleteStreams(natsUrl: string, prefix: string): Promise<string[]> {
  const problems: string[] = [];
  const nc = await connect({ servers: natsUrl, timeout: 2_000 }).catch(
    (err: unknown) => void problems.push(`deleting the streams: ${String(err)}`),
  );
  if (!nc) return problems;
  try {
    const jsm = await jetstreamManager(nc);
    const topo = topology(prefix);
    for (const stream of [topo.requestStream, topo.resultStream]) {
      await jsm.streams.delete(stream).catch((err: unknown) => {
        if (!/not found/i.test(String(err)))
          problems.push(`deleting stream ${stream}: ${String(err)}`);
      });
    }
  } catch (err) {
    problems.push(`deleting the streams: ${String(err)}`);
  } finally {
    await nc.close();
  }
  return problems;
}
