/**
 * The real services as processes on the private PostgreSQL and NATS, each one restartable on the
 * same port with the same environment after a kill -9. test-kit's startSystem cannot restart the
 * bank or the gateway in place and always uses the shared PostgreSQL; this launcher can.
 *
 * Two wallets run side by side (so duplicate keys can race across instances), one settlement, one
 * bank-sim whose ledger lives in a state file (so a killed bank still knows what it paid, as a
 * real bank would), and one gateway in front of wallet-0.
 */
import { join } from "node:path";
import { freePort, serviceEntries, startService, type ServiceProcess } from "@wallet/test-kit";

export type ServiceName = "wallet-0" | "wallet-1" | "settlement" | "bank-sim" | "gateway";
export const serviceNames: readonly ServiceName[] = ["wallet-0", "wallet-1", "settlement", "bank-sim", "gateway"];

/** Withdrawals allowed unsettled at once; small, so the NATS outage can fill the bound quickly. */
export const withdrawalBacklogMax = 500;

/** What the bank does unless a scenario changes it: some refusals and transient errors, always. */
export const baselineBankBehaviour = {
  latency_ms_min: 5,
  latency_ms_max: 30,
  reject_rate: 0.1,
  error_rate: 0.05,
  hang_rate: 0,
  lost_response_rate: 0,
} as const;

export interface FaultSystemOptions {
  databaseUrl: string;
  natsUrl: string;
  natsPrefix: string;
  workDir: string;
  seed: number;
}

export interface FaultSystem {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly natsPrefix: string;
  readonly bankUrl: string;
  readonly gatewayUrl: string;
  /** host:port of wallet-0 and wallet-1. */
  readonly walletAddresses: readonly [string, string];
  readonly walletOpsPorts: readonly [number, number];
  process(name: ServiceName): ServiceProcess | undefined;
  /** The running process's id (for /proc/<pid>/status), undefined while it is down. */
  pid(name: ServiceName): number | undefined;
  alive(name: ServiceName): boolean;
  /** The last few KiB a service wrote to stderr (where a crash's stack trace goes), one line. */
  stderrTail(name: ServiceName): string;
  /** SIGKILL: a crash with no chance to clean up. */
  kill(name: ServiceName): Promise<void>;
  /** SIGTERM and wait. */
  stop(name: ServiceName): Promise<void>;
  /** Starts the service again with the same port and environment; a no-op if it runs. */
  start(name: ServiceName): Promise<void>;
  /**
   * Stops the service and starts it with `env` over its usual environment, kept for later
   * restarts too; `{}` restores the usual one.
   */
  restartWith(name: ServiceName, env: Record<string, string>): Promise<void>;
  stopAll(): Promise<void>;
  /** Synchronous last resort for an exiting process. */
  killAllNow(): void;
}

interface ServiceSpec {
  entry: string;
  readyMessage: string;
  env: Record<string, string>;
}

export async function startFaultSystem(options: FaultSystemOptions): Promise<FaultSystem> {
  const [walletPort0, walletPort1, opsPort0, opsPort1, bankPort, gatewayPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const walletAddresses = [`127.0.0.1:${walletPort0}`, `127.0.0.1:${walletPort1}`] as const;
  const bankUrl = `http://127.0.0.1:${bankPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const logLevel = process.env.TEST_SERVICE_LOG_LEVEL ?? "info";

  const walletEnv = (grpcPort: number, opsPort: number): Record<string, string> => ({
    DATABASE_URL: options.databaseUrl,
    WALLET_GRPC_HOST: "127.0.0.1",
    WALLET_GRPC_PORT: String(grpcPort),
    WALLET_OPS_HOST: "127.0.0.1",
    WALLET_OPS_PORT: String(opsPort),
    NATS_URL: options.natsUrl,
    NATS_PREFIX: options.natsPrefix,
    WITHDRAWAL_BACKLOG_MAX: String(withdrawalBacklogMax),
    OUTBOX_SWEEP_INTERVAL_MS: "250",
    RESULTS_RETRY_DELAY_MS: "200",
    HEALTH_CHECK_INTERVAL_MS: "500",
    SHUTDOWN_GRACE_MS: "3000",
    LOG_LEVEL: logLevel,
  });

  const specs: Record<ServiceName, ServiceSpec> = {
    "wallet-0": { entry: serviceEntries.wallet, readyMessage: "wallet listening", env: walletEnv(walletPort0!, opsPort0!) },
    "wallet-1": { entry: serviceEntries.wallet, readyMessage: "wallet listening", env: walletEnv(walletPort1!, opsPort1!) },
    settlement: {
      entry: serviceEntries.settlement,
      readyMessage: "settlement ready",
      env: {
        NATS_URL: options.natsUrl,
        NATS_PREFIX: options.natsPrefix,
        BANK_URL: bankUrl,
        SETTLEMENT_OPS_HOST: "127.0.0.1",
        SETTLEMENT_OPS_PORT: "0",
        // Short timeouts and backoff, so a hanging or erroring bank costs seconds, not minutes,
        // and enough attempts that nothing is parked by the faults the suite injects.
        BANK_TIMEOUT_MS: "1000",
        SETTLEMENT_ACK_WAIT_MS: "5000",
        SETTLEMENT_BACKOFF_MS_BASE: "50",
        SETTLEMENT_BACKOFF_MS_MAX: "500",
        SETTLEMENT_MAX_ATTEMPTS: "30",
        SETTLEMENT_MAX_DELIVER: "300",
        SETTLEMENT_PULL_EXPIRES_MS: "1000",
        SHUTDOWN_GRACE_MS: "3000",
        LOG_LEVEL: logLevel,
      },
    },
    "bank-sim": {
      entry: serviceEntries.bankSim,
      readyMessage: "bank-sim listening",
      env: {
        BANK_SIM_HOST: "127.0.0.1",
        BANK_SIM_PORT: String(bankPort),
        BANK_SIM_LATENCY_MS_MIN: String(baselineBankBehaviour.latency_ms_min),
        BANK_SIM_LATENCY_MS_MAX: String(baselineBankBehaviour.latency_ms_max),
        BANK_SIM_REJECT_RATE: String(baselineBankBehaviour.reject_rate),
        BANK_SIM_ERROR_RATE: String(baselineBankBehaviour.error_rate),
        BANK_SIM_HANG_MS: "2000",
        BANK_SIM_SEED: String(options.seed),
        BANK_SIM_STATE_FILE: join(options.workDir, "bank-ledger.jsonl"),
        SHUTDOWN_GRACE_MS: "2000",
        LOG_LEVEL: logLevel,
      },
    },
    gateway: {
      entry: serviceEntries.gateway,
      readyMessage: "gateway listening",
      env: {
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_PORT: String(gatewayPort),
        WALLET_GRPC_URL: walletAddresses[0],
        WALLET_DEADLINE_MS: "4000",
        SHUTDOWN_GRACE_MS: "2000",
        LOG_LEVEL: logLevel,
      },
    },
  };

  const running = new Map<ServiceName, ServiceProcess>();
  const stderrTails = new Map<ServiceName, string>();
  const stderrTailMax = 4 * 1024;
  const starting = new Map<ServiceName, Promise<void>>();
  const envOverrides = new Map<ServiceName, Record<string, string>>();

  const alive = (name: ServiceName): boolean => {
    const child = running.get(name)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };

  function start(name: ServiceName): Promise<void> {
    if (alive(name)) return Promise.resolve();
    const inFlight = starting.get(name);
    if (inFlight) return inFlight;
    const spec = specs[name];
    const env = { ...spec.env, ...envOverrides.get(name) };
    const started = startService({ name, entry: spec.entry, env, readyMessage: spec.readyMessage, readyTimeoutMs: 45_000 })
      .then((service) => {
        running.set(name, service);
        stderrTails.set(name, "");
        service.child.stderr?.on("data", (chunk: string | Buffer) => {
          stderrTails.set(name, `${stderrTails.get(name) ?? ""}${chunk.toString()}`.slice(-stderrTailMax));
        });
      })
      .finally(() => starting.delete(name));
    starting.set(name, started);
    return started;
  }

  async function kill(name: ServiceName): Promise<void> {
    await running.get(name)?.kill();
  }

  async function stop(name: ServiceName): Promise<void> {
    await running.get(name)?.stop(5_000);
  }

  async function restartWith(name: ServiceName, env: Record<string, string>): Promise<void> {
    await stop(name);
    envOverrides.set(name, env);
    await start(name);
  }

  // The bank first (settlement calls it), wallet-0 alone (it applies the migrations), then the rest.
  try {
    await start("bank-sim");
    await start("wallet-0");
    await Promise.all([start("wallet-1"), start("settlement"), start("gateway")]);
  } catch (err) {
    // Nobody else holds these processes yet: stop what did start before giving up.
    await Promise.all([...starting.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...running.values()].map((service) => service.stop(5_000)));
    throw err;
  }

  return {
    databaseUrl: options.databaseUrl,
    natsUrl: options.natsUrl,
    natsPrefix: options.natsPrefix,
    bankUrl,
    gatewayUrl,
    walletAddresses,
    walletOpsPorts: [opsPort0!, opsPort1!],
    process: (name) => running.get(name),
    pid: (name) => (alive(name) ? running.get(name)?.child.pid : undefined),
    alive,
    stderrTail: (name) => (stderrTails.get(name) ?? "").replace(/\s+/g, " ").trim(),
    kill,
    stop,
    start,
    restartWith,
    async stopAll() {
      await stop("gateway");
      await stop("settlement");
      await Promise.all([stop("wallet-0"), stop("wallet-1")]);
      await stop("bank-sim");
    },
    killAllNow() {
      for (const service of running.values()) service.child.kill("SIGKILL");
    },
  };
}
