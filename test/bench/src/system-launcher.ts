/**
 * Starts the system under test as real processes with test-kit's system launcher: its own
 * database, its own JetStream streams (a unique NATS_PREFIX), and wallet, bank-sim and settlement
 * on free ports. `stop()` stops the processes, deletes the streams and drops the database, so a
 * bench run leaves nothing behind.
 */
import {
  createSystemLauncher,
  createTestDatabase,
  deleteStreams,
  uniqueName,
  type SystemLauncher,
  type TestDatabase,
} from "@wallet/test-kit";
import type { ServiceName } from "./measurement.js";
import { serviceEntries } from "./service-entries.js";

export interface SystemUnderTest {
  walletAddress: string;
  /** The wallet's database, for completion queries; absent for a system the bench did not start. */
  databaseUrl: string | undefined;
  /** Service processes the bench started, by name; their memory is reported per scenario. */
  pids: Partial<Record<ServiceName, number>>;
  /** Why settlement is not running, when it is not; withdraw-e2e is then reported as not run. */
  settlementMissing: string | undefined;
  /** Best effort: every step runs even if an earlier one failed; problems are returned. */
  stop(): Promise<string[]>;
}

export interface LaunchOptions {
  natsUrl: string;
  bankLatencyMs: number;
  settlementWorkers: number;
  log: (line: string) => void;
}

export async function launchSystem(options: LaunchOptions): Promise<SystemUnderTest> {
  if (!serviceEntries.wallet())
    throw new Error("services/wallet is not built: run `pnpm turbo run build`");
  const bankSimBuilt = serviceEntries.bankSim() !== undefined;
  let settlementMissing: string | undefined;
  if (!bankSimBuilt) settlementMissing = "services/bank-sim is not built";
  else if (!serviceEntries.settlement()) settlementMissing = "services/settlement is not built";

  const natsPrefix = uniqueName("bench");
  let database: TestDatabase | undefined;
  let system: SystemLauncher | undefined;

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    // Settlement first, then the wallet, so nothing is left publishing into deleted streams.
    for (const { name, code } of (await system?.stopAll()) ?? []) {
      if (code !== 0 && code !== null) problems.push(`${name} exited with ${code}`);
    }
    problems.push(...(await deleteStreams(options.natsUrl, natsPrefix)));
    await database
      ?.drop()
      .catch((err: unknown) => problems.push(`dropping ${database?.name}: ${String(err)}`));
    return problems;
  };

  try {
    database = await createTestDatabase("bench_wallet");
    system = await createSystemLauncher({
      bankSim: bankSimBuilt,
      settlements: settlementMissing ? 0 : 1,
      databaseUrl: database.url,
      natsUrl: options.natsUrl,
      natsPrefix,
      loopback: true,
      env: {
        bankSim: {
          // Fixed latency, so settlement's capacity is exactly workers / latency.
          BANK_SIM_LATENCY_MS_MIN: String(options.bankLatencyMs),
          BANK_SIM_LATENCY_MS_MAX: String(options.bankLatencyMs),
          BANK_SIM_REJECT_RATE: "0",
          BANK_SIM_ERROR_RATE: "0",
          BANK_SIM_HANG_RATE: "0",
          BANK_SIM_LOST_RESPONSE_RATE: "0",
        },
        settlement: { SETTLEMENT_WORKERS: String(options.settlementWorkers) },
      },
      // Under load the wallet logs each charge; parsing that in the bench would compete with the
      // system for the same two cores.
      keepLogs: "until-ready",
    });
    options.log(`starting wallet (database ${database.name}, NATS prefix ${natsPrefix})`);
    await system.startAll();

    const pids: Partial<Record<ServiceName, number>> = {};
    for (const name of system.names()) {
      const pid = system.pid(name);
      if (pid) pids[name as ServiceName] = pid;
    }
    return {
      walletAddress: system.walletAddresses[0]!,
      databaseUrl: database.url,
      pids,
      settlementMissing,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A system someone else runs (`--wallet host:port`): nothing to start, nothing to clean up. */
export function existingSystem(
  walletAddress: string,
  databaseUrl: string | undefined,
): SystemUnderTest {
  return {
    walletAddress,
    databaseUrl,
    pids: {},
    settlementMissing: databaseUrl
      ? undefined
      : "withdraw-e2e counts completions in the wallet's database: pass --database-url",
    stop: async () => [],
  };
}
