/**
 * Starts the real services as processes, wired together on free ports, against a throwaway
 * database and a private set of NATS streams. Used by end-to-end tests, the fault suite and the
 * bench. Everything it starts, `stop()` stops and removes.
 */
import { resolve } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { topology } from "@wallet/messages";
import { createTestDatabase, uniqueName, type TestDatabase } from "./database.js";
import { freePort, startService, type ServiceProcess } from "./process.js";

/** The repository root, from packages/test-kit/dist or src. */
export const repoRoot = resolve(__dirname, "../../..");

export const serviceEntries = {
  wallet: resolve(repoRoot, "services/wallet/dist/main.js"),
  settlement: resolve(repoRoot, "services/settlement/dist/main.js"),
  bankSim: resolve(repoRoot, "services/bank-sim/dist/main.js"),
  gateway: resolve(repoRoot, "services/gateway/dist/main.js"),
} as const;

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
  walletAddresses: string[];
  walletOpsPorts: number[];
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
  const bankPort = await freePort();
  const bankUrl = `http://127.0.0.1:${bankPort}`;
  const logLevel = process.env.TEST_SERVICE_LOG_LEVEL ?? "info";

  const bank = await startService({
    name: "bank-sim",
    entry: serviceEntries.bankSim,
    env: { BANK_SIM_PORT: String(bankPort), BANK_SIM_LATENCY_MS_MIN: "5", BANK_SIM_LATENCY_MS_MAX: "20", LOG_LEVEL: logLevel, ...options.bankEnv },
    readyMessage: "bank-sim listening",
  });

  const wallets: ServiceProcess[] = [];
  const walletAddresses: string[] = [];
  const walletOpsPorts: number[] = [];
  const settlements: ServiceProcess[] = [];

  async function startWallet(index = wallets.length): Promise<ServiceProcess> {
    const port = walletAddresses[index] ? Number(walletAddresses[index]!.split(":")[1]) : await freePort();
    const opsPort = walletOpsPorts[index] ?? (await freePort());
    const wallet = await startService({
      name: `wallet-${index}`,
      entry: serviceEntries.wallet,
      env: {
        DATABASE_URL: database.url,
        WALLET_GRPC_HOST: "127.0.0.1",
        WALLET_GRPC_PORT: String(port),
        WALLET_OPS_HOST: "127.0.0.1",
        WALLET_OPS_PORT: String(opsPort),
        NATS_URL: natsUrl,
        NATS_PREFIX: natsPrefix,
        OUTBOX_SWEEP_INTERVAL_MS: "250",
        RESULTS_RETRY_DELAY_MS: "200",
        LOG_LEVEL: logLevel,
        ...options.walletEnv,
      },
      readyMessage: "wallet listening",
    });
    wallets[index] = wallet;
    walletAddresses[index] = `127.0.0.1:${port}`;
    walletOpsPorts[index] = opsPort;
    return wallet;
  }

  async function startSettlement(index = settlements.length): Promise<ServiceProcess> {
    const settlement = await startService({
      name: `settlement-${index}`,
      entry: serviceEntries.settlement,
      env: {
        NATS_URL: natsUrl,
        NATS_PREFIX: natsPrefix,
        BANK_URL: bankUrl,
        SETTLEMENT_OPS_HOST: "127.0.0.1",
        SETTLEMENT_OPS_PORT: "0",
        LOG_LEVEL: logLevel,
        ...options.settlementEnv,
      },
      readyMessage: "settlement ready",
    });
    settlements[index] = settlement;
    return settlement;
  }

  for (let i = 0; i < (options.wallets ?? 1); i++) await startWallet();
  for (let i = 0; i < (options.settlements ?? 1); i++) await startSettlement();

  let gateway: ServiceProcess | undefined;
  let gatewayUrl: string | undefined;
  if (options.gateway) {
    const port = await freePort();
    gateway = await startService({
      name: "gateway",
      entry: serviceEntries.gateway,
      env: { GATEWAY_HOST: "127.0.0.1", GATEWAY_PORT: String(port), WALLET_GRPC_URL: walletAddresses[0]!, LOG_LEVEL: logLevel, ...options.gatewayEnv },
      readyMessage: "gateway listening",
    });
    gatewayUrl = `http://127.0.0.1:${port}`;
  }

  return {
    database,
    natsPrefix,
    natsUrl,
    bankUrl,
    bank,
    wallets,
    walletAddresses,
    walletOpsPorts,
    settlements,
    gateway,
    gatewayUrl,
    startWallet,
    startSettlement,
    async stop() {
      await gateway?.stop();
      await Promise.all(settlements.map((s) => s.stop()));
      await Promise.all(wallets.map((w) => w.stop()));
      await bank.stop();
      await database.drop();
      await deleteStreams(natsUrl, natsPrefix);
    },
  };
}

/** Removes a test run's streams (and with them their consumers). */
export async function deleteStreams(natsUrl: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000 }).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await jetstreamManager(nc);
    const topo = topology(prefix);
    for (const stream of [topo.requestStream, topo.resultStream]) await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
