/**
 * Starts the system under test as real processes: its own database, its own JetStream streams
 * (a unique NATS_PREFIX), and wallet, bank-sim and settlement on free ports. `stop()` stops the
 * processes, deletes the streams and drops the database, so a bench run leaves nothing behind.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { topology } from "@wallet/messages";
import { createTestDatabase, freePort, startService, uniqueName, type ServiceProcess, type TestDatabase } from "@wallet/test-kit";
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

/**
 * startService keeps every log line a service prints, parsed. Under load the wallet logs each
 * charge, and parsing that in the bench would compete with the system for the same two cores;
 * once a service is ready its stdout is still read (a full pipe would block it) but dropped.
 */
function stopCollectingLogs(service: ServiceProcess): ServiceProcess {
  service.child.stdout?.removeAllListeners("data");
  service.child.stdout?.resume();
  return service;
}

export async function launchSystem(options: LaunchOptions): Promise<SystemUnderTest> {
  const walletEntry = serviceEntries.wallet();
  const bankSimEntry = serviceEntries.bankSim();
  const settlementEntry = serviceEntries.settlement();
  if (!walletEntry) throw new Error("services/wallet is not built: run `pnpm turbo run build`");

  const natsPrefix = uniqueName("bench");
  const services: ServiceProcess[] = [];
  let database: TestDatabase | undefined;

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    // Settlement first, then the wallet, so nothing is left publishing into deleted streams.
    for (const service of [...services].reverse()) {
      const code = await service.stop(10_000).catch((err: unknown) => String(err));
      if (code !== 0 && code !== null) problems.push(`${service.name} exited with ${code}`);
    }
    try {
      const nc = await connect({ servers: options.natsUrl });
      try {
        const jsm = await jetstreamManager(nc);
        const topo = topology(natsPrefix);
        for (const stream of [topo.requestStream, topo.resultStream]) {
          await jsm.streams.delete(stream).catch((err: unknown) => {
            if (!/not found/i.test(String(err))) problems.push(`deleting stream ${stream}: ${String(err)}`);
          });
        }
      } finally {
        await nc.close();
      }
    } catch (err) {
      problems.push(`deleting the streams: ${String(err)}`);
    }
    await database?.drop().catch((err: unknown) => problems.push(`dropping ${database?.name}: ${String(err)}`));
    return problems;
  };

  try {
    database = await createTestDatabase("bench_wallet");
    const [grpcPort, opsPort, bankPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const bankUrl = `http://127.0.0.1:${bankPort}`;
    options.log(`starting wallet (database ${database.name}, NATS prefix ${natsPrefix})`);
    const [wallet, bankSim] = await Promise.all([
      startService({
        name: "wallet",
        entry: walletEntry,
        env: {
          DATABASE_URL: database.url,
          WALLET_GRPC_HOST: "127.0.0.1",
          WALLET_GRPC_PORT: String(grpcPort),
          WALLET_OPS_HOST: "127.0.0.1",
          WALLET_OPS_PORT: String(opsPort),
          NATS_URL: options.natsUrl,
          NATS_PREFIX: natsPrefix,
        },
        readyMessage: "wallet listening",
      }).then(stopCollectingLogs),
      bankSimEntry
        ? startService({
            name: "bank-sim",
            entry: bankSimEntry,
            env: {
              BANK_SIM_HOST: "127.0.0.1",
              BANK_SIM_PORT: String(bankPort),
              // Fixed latency, so settlement's capacity is exactly workers / latency.
              BANK_SIM_LATENCY_MS_MIN: String(options.bankLatencyMs),
              BANK_SIM_LATENCY_MS_MAX: String(options.bankLatencyMs),
              BANK_SIM_REJECT_RATE: "0",
              BANK_SIM_ERROR_RATE: "0",
              BANK_SIM_HANG_RATE: "0",
              BANK_SIM_LOST_RESPONSE_RATE: "0",
            },
            readyMessage: "bank-sim listening",
          }).then(stopCollectingLogs)
        : undefined,
    ]);
    services.push(wallet);
    if (bankSim) services.push(bankSim);

    let settlementMissing: string | undefined;
    if (!bankSimEntry) settlementMissing = "services/bank-sim is not built";
    else if (!settlementEntry) settlementMissing = "services/settlement is not built";
    else {
      const settlement = await startService({
        name: "settlement",
        entry: settlementEntry,
        env: {
          NATS_URL: options.natsUrl,
          NATS_PREFIX: natsPrefix,
          BANK_URL: bankUrl,
          SETTLEMENT_WORKERS: String(options.settlementWorkers),
          SETTLEMENT_OPS_HOST: "127.0.0.1",
          SETTLEMENT_OPS_PORT: "0",
        },
        readyMessage: "settlement ready",
      }).then(stopCollectingLogs);
      services.push(settlement);
    }

    const pids: Partial<Record<ServiceName, number>> = {};
    for (const service of services) if (service.child.pid) pids[service.name as ServiceName] = service.child.pid;
    return { walletAddress: `127.0.0.1:${grpcPort}`, databaseUrl: database.url, pids, settlementMissing, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A system someone else runs (`--wallet host:port`): nothing to start, nothing to clean up. */
export function existingSystem(walletAddress: string, databaseUrl: string | undefined): SystemUnderTest {
  return {
    walletAddress,
    databaseUrl,
    pids: {},
    settlementMissing: databaseUrl ? undefined : "withdraw-e2e counts completions in the wallet's database: pass --database-url",
    stop: async () => [],
  };
}
