/**
 * Integration test harness: the real bank-sim and settlement processes, a private set of streams
 * on the real NATS (NATS_PREFIX = a unique name), and a reader that collects every result
 * settlement publishes. Not part of the build.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  decodeWithdrawalResult,
  encodeWithdrawalRequested,
  ensureConsumer,
  ensureStreams,
  requestMessageId,
  topology,
  type Topology,
  type WithdrawalRequested,
  type WithdrawalResult,
} from "@wallet/messages";
import { freePort, startService, uniqueName, waitFor, type ServiceProcess } from "@wallet/test-kit";

const settlementEntry = resolve(__dirname, "../../dist/main.js");
const bankSimEntry = resolve(__dirname, "../../../bank-sim/dist/main.js");
const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

export type BankOutcomeName = "paid" | "rejected" | "error" | "hang" | "lost_response";

export interface LedgerEntry {
  reference: string;
  status: "paid" | "rejected" | "undecided";
  bank_reference?: string;
  reason?: string;
  pay_count: number;
  requests: number;
}

export interface Harness {
  readonly topo: Topology;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly bankUrl: string;
  /** Every result read from the results stream, in arrival order, duplicates included. */
  readonly results: WithdrawalResult[];
  startSettlement(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Publishes a WithdrawalRequested as the wallet's outbox relay would, and returns it. */
  publishRequest(overrides?: Partial<WithdrawalRequested>): Promise<WithdrawalRequested>;
  publishRaw(data: Uint8Array): Promise<void>;
  waitForResult(transactionId: string, timeoutMs?: number): Promise<WithdrawalResult>;
  resultsFor(transactionId: string): WithdrawalResult[];
  script(reference: string, outcomes: BankOutcomeName[]): Promise<void>;
  setBehaviour(patch: Record<string, number>): Promise<void>;
  ledger(): Promise<Map<string, LedgerEntry>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** bank-sim's configuration; ignored with `bankUrl`. */
  bankEnv?: Record<string, string>;
  /** A bank the test runs itself; no bank-sim is started and the admin helpers do not apply. */
  bankUrl?: string;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const topo = topology(uniqueName("t"));
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStreams(jsm, topo);

  const results: WithdrawalResult[] = [];
  const readerDurable = `${topo.prefix}_test_reader`;
  await ensureConsumer(jsm, topo.resultStream, readerDurable, topo.resultSubject, {
    ackWaitMs: 30_000,
    maxDeliver: 5,
    maxAckPending: 10_000,
  });
  const reader = await (
    await js.consumers.get(topo.resultStream, readerDurable)
  ).consume({
    callback: (message) => {
      results.push(decodeWithdrawalResult(message.data));
      message.ack();
    },
  });

  const processes: ServiceProcess[] = [];
  const bankUrl = options.bankUrl ?? (await startBankSim(options.bankEnv ?? {}, processes));

  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${bankUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`bank-sim ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as unknown;
  };

  const resultsFor = (transactionId: string) =>
    results.filter((result) => result.transactionId === transactionId);

  return {
    topo,
    nc,
    js,
    jsm,
    bankUrl,
    results,
    async startSettlement(env = {}) {
      const settlement = await startService({
        name: "settlement",
        entry: settlementEntry,
        env: {
          NATS_URL: natsUrl,
          NATS_PREFIX: topo.prefix,
          BANK_URL: bankUrl,
          SETTLEMENT_OPS_HOST: "127.0.0.1",
          SETTLEMENT_OPS_PORT: "0",
          SETTLEMENT_BACKOFF_MS_BASE: "50",
          SETTLEMENT_BACKOFF_MS_MAX: "200",
          BANK_TIMEOUT_MS: "1000",
          SETTLEMENT_ACK_WAIT_MS: "3000",
          SHUTDOWN_GRACE_MS: "5000",
          HEALTH_CHECK_INTERVAL_MS: "200",
          ...env,
        },
        readyMessage: "settlement ready",
      });
      processes.push(settlement);
      return settlement;
    },
    async publishRequest(overrides = {}) {
      const request: WithdrawalRequested = {
        transactionId: randomUUID(),
        userId: 42n,
        amountMinor: 1_250n,
        attempt: 0,
        ...overrides,
      };
      await js.publish(topo.requestSubject, encodeWithdrawalRequested(request), {
        msgID: requestMessageId(request.transactionId, request.attempt),
      });
      return request;
    },
    async publishRaw(data) {
      await js.publish(topo.requestSubject, data);
    },
    waitForResult(transactionId, timeoutMs = 15_000) {
      return waitFor(`a result for ${transactionId}`, () => resultsFor(transactionId)[0], {
        timeoutMs,
      });
    },
    resultsFor,
    async script(reference, outcomes) {
      await admin("POST", "/admin/script", { reference, outcomes });
    },
    async setBehaviour(patch) {
      await admin("PUT", "/admin/behaviour", patch);
    },
    async ledger() {
      const body = (await admin("GET", "/admin/payouts")) as { payouts: LedgerEntry[] };
      return new Map(body.payouts.map((entry) => [entry.reference, entry]));
    },
    async close() {
      await reader.close();
      await Promise.all(processes.map((p) => p.kill()));
      for (const stream of [topo.requestStream, topo.resultStream]) {
        await jsm.streams.delete(stream).catch(() => undefined);
      }
      await nc.close();
    },
  };
}

/** The ops port a settlement process logged when it became ready. */
export function opsUrl(settlement: ServiceProcess): string {
  const ready = settlement.logs.find((line) => line.msg === "settlement ready");
  if (typeof ready?.opsPort !== "number") throw new Error("settlement logged no ops port");
  return `http://127.0.0.1:${ready.opsPort}`;
}

/** One metric's value (summed over labels matching `labels`) from settlement's /metrics. */
export async function metricValue(
  settlement: ServiceProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${opsUrl(settlement)}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const lineLabels: Record<string, string | undefined> = Object.fromEntries(
      [...(match[3] ?? "").matchAll(/([a-z_]+)="([^"]*)"/g)].map(
        (m): [string, string | undefined] => [m[1] ?? "", m[2]],
      ),
    );
    if (Object.entries(labels).every(([key, value]) => lineLabels[key] === value))
      sum += Number(match[4]);
  }
  return sum;
}

async function startBankSim(
  env: Record<string, string>,
  processes: ServiceProcess[],
): Promise<string> {
  const port = await freePort();
  const bank = await startService({
    name: "bank-sim",
    entry: bankSimEntry,
    env: {
      BANK_SIM_HOST: "127.0.0.1",
      BANK_SIM_PORT: String(port),
      BANK_SIM_LATENCY_MS_MIN: "0",
      BANK_SIM_LATENCY_MS_MAX: "5",
      BANK_SIM_HANG_MS: "5000",
      ...env,
    },
    readyMessage: "bank-sim listening",
  });
  processes.push(bank);
  return `http://127.0.0.1:${port}`;
}
