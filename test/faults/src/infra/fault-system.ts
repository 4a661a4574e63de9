/**
 * The real services as processes on the private PostgreSQL and NATS, each one restartable on the
 * same port with the same environment after a kill -9, on test-kit's system launcher (startSystem
 * always uses the shared PostgreSQL).
 *
 * Two wallets run side by side (so duplicate keys can race across instances), one settlement, one
 * bank-sim whose ledger lives in a state file (so a killed bank still knows what it paid, as a
 * real bank would), and one gateway in front of wallet-0.
 */
import { join } from "node:path";
import { createSystemLauncher, type ServiceProcess } from "@wallet/test-kit";

export type ServiceName = "wallet-0" | "wallet-1" | "settlement" | "bank-sim" | "gateway";
export const serviceNames: readonly ServiceName[] = [
  "wallet-0",
  "wallet-1",
  "settlement",
  "bank-sim",
  "gateway",
];

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

export async function startFaultSystem(options: FaultSystemOptions): Promise<FaultSystem> {
  const system = await createSystemLauncher({
    wallets: 2,
    gateway: true,
    databaseUrl: options.databaseUrl,
    natsUrl: options.natsUrl,
    natsPrefix: options.natsPrefix,
    loopback: true,
    env: {
      wallet: {
        WITHDRAWAL_BACKLOG_MAX: String(withdrawalBacklogMax),
        OUTBOX_SWEEP_INTERVAL_MS: "250",
        RESULTS_RETRY_DELAY_MS: "200",
        HEALTH_CHECK_INTERVAL_MS: "500",
        SHUTDOWN_GRACE_MS: "3000",
      },
      settlement: {
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
      },
      bankSim: {
        BANK_SIM_LATENCY_MS_MIN: String(baselineBankBehaviour.latency_ms_min),
        BANK_SIM_LATENCY_MS_MAX: String(baselineBankBehaviour.latency_ms_max),
        BANK_SIM_REJECT_RATE: String(baselineBankBehaviour.reject_rate),
        BANK_SIM_ERROR_RATE: String(baselineBankBehaviour.error_rate),
        BANK_SIM_HANG_MS: "2000",
        BANK_SIM_SEED: String(options.seed),
        BANK_SIM_STATE_FILE: join(options.workDir, "bank-ledger.jsonl"),
        SHUTDOWN_GRACE_MS: "2000",
      },
      gateway: { WALLET_DEADLINE_MS: "4000", SHUTDOWN_GRACE_MS: "2000" },
    },
    readyTimeoutMs: 45_000,
    stopGraceMs: 5_000,
  });
  try {
    await system.startAll();
  } catch (err) {
    // Nobody else holds these processes yet: stop what did start before giving up.
    await system.stopAll();
    throw err;
  }
  const [wallet0, wallet1] = system.walletAddresses;
  const [opsPort0, opsPort1] = system.walletOpsPorts;
  return {
    databaseUrl: options.databaseUrl,
    natsUrl: options.natsUrl,
    natsPrefix: options.natsPrefix,
    bankUrl: system.bankUrl!,
    gatewayUrl: system.gatewayUrl!,
    walletAddresses: [wallet0!, wallet1!],
    walletOpsPorts: [opsPort0!, opsPort1!],
    process: system.process,
    pid: system.pid,
    alive: system.alive,
    stderrTail: system.stderrTail,
    kill: system.kill,
    stop: async (name) => {
      await system.stop(name);
    },
    start: async (name) => {
      await system.start(name);
    },
    restartWith: async (name, env) => {
      await system.restartWith(name, env);
    },
    stopAll: async () => {
      await system.stopAll();
    },
    killAllNow: system.killAllNow,
  };
}
