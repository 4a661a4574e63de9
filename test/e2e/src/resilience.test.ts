/**
 * Withdrawals under crashes, duplicates, a lost broker and several instances. Each scenario runs
 * its own system; the checks are always the same: every withdrawal reaches an end, no reference
 * is paid twice, what the wallet completed is exactly what the bank paid, what it failed is
 * exactly what the bank rejected, and the ledger check passes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { status, type ServiceError } from "@grpc/grpc-js";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { createWalletClient, type WalletClient } from "@wallet/proto";
import { encodeWithdrawalRequested, encodeWithdrawalResult, topology } from "@wallet/messages";
import {
  bankPayouts,
  freePort,
  sleep,
  startSystem,
  type RunningSystem,
  waitFor,
} from "@wallet/test-kit";
import { newKey, settled, walletCli } from "./helpers.js";

let system: RunningSystem | undefined;
const clients: WalletClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await system?.stop();
  system = undefined;
});

function clientFor(address: string): WalletClient {
  const client = createWalletClient(address, 15_000);
  clients.push(client);
  return client;
}

interface WithdrawalCounts {
  completed: Set<string>;
  failed: Set<string>;
  parked: Set<string>;
  pending: Set<string>;
}

async function withdrawalStates(databaseUrl: string): Promise<WithdrawalCounts> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; status: string; parked: boolean }>(
      "select id, status, parked_at is not null as parked from transactions where type = 'withdrawal'",
    );
    const counts: WithdrawalCounts = {
      completed: new Set(),
      failed: new Set(),
      parked: new Set(),
      pending: new Set(),
    };
    for (const row of rows) {
      if (row.status === "completed") counts.completed.add(row.id);
      else if (row.status === "failed") counts.failed.add(row.id);
      else if (row.parked) counts.parked.add(row.id);
      else counts.pending.add(row.id);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** Waits until no withdrawal is pending without being parked. */
function allSettled(databaseUrl: string, timeoutMs = 90_000): Promise<WithdrawalCounts> {
  return waitFor(
    "every withdrawal to reach completed, failed or parked",
    async () => {
      const states = await withdrawalStates(databaseUrl);
      return states.pending.size === 0 ? states : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** The invariants every scenario ends with. Returns the bank's view for reporting. */
async function expectMoneyIntact(sys: RunningSystem, states: WithdrawalCounts) {
  const payouts = await bankPayouts(sys.bankUrl);
  const paidTwice = payouts.filter((p) => p.pay_count > 1);
  expect(paidTwice).toEqual([]);
  const paid = new Set(payouts.filter((p) => p.status === "paid").map((p) => p.reference));
  const rejected = new Set(payouts.filter((p) => p.status === "rejected").map((p) => p.reference));
  expect([...states.completed].sort()).toEqual([...paid].sort());
  expect([...states.failed].sort()).toEqual([...rejected].sort());
  for (const id of states.parked) expect(paid.has(id)).toBe(false);
  const check = await walletCli("ledger-check", [], sys.database.url);
  expect(check.stdout).toContain("violations:           0");
  expect(check.code).toBe(0);
  return { payouts, paidTwice: paidTwice.length, ledgerCheck: check.stdout };
}

async function fundUsers(client: WalletClient, users: number, amount: bigint): Promise<bigint[]> {
  const ids = Array.from({ length: users }, (_, i) => BigInt(5_000 + i));
  await Promise.all(
    ids.map((userId) => client.charge({ userId, amount, idempotencyKey: newKey("fund") })),
  );
  return ids;
}

describe("resilience of settlement", () => {
  it("survives kill -9 of settlement under load: 500 withdrawals over 100 users", async () => {
    system = await startSystem({
      bankEnv: {
        BANK_SIM_LATENCY_MS_MIN: "20",
        BANK_SIM_LATENCY_MS_MAX: "200",
        BANK_SIM_REJECT_RATE: "0.1",
        BANK_SIM_ERROR_RATE: "0.1",
      },
      // debug: which instance finished which withdrawal is read from "withdrawal settled" lines.
      settlementEnv: {
        LOG_LEVEL: "debug",
        SETTLEMENT_BACKOFF_MS_BASE: "50",
        SETTLEMENT_BACKOFF_MS_MAX: "500",
        SETTLEMENT_MAX_ATTEMPTS: "10",
        SETTLEMENT_MAX_DELIVER: "50",
        // A killed instance's messages come back after the ack wait; keep it short so the test is.
        SETTLEMENT_ACK_WAIT_MS: "3000",
        BANK_TIMEOUT_MS: "1000",
      },
    });
    const client = clientFor(system.walletAddresses[0]!);
    const users = await fundUsers(client, 100, 10_000n);
    const requests = Array.from({ length: 500 }, (_, i) => ({
      userId: users[i % users.length]!,
      amount: BigInt(1 + (i % 97)),
    }));
    const accepted = await Promise.all(
      requests.map((r) => client.withdraw({ ...r, idempotencyKey: newKey("w") })),
    );
    expect(accepted).toHaveLength(500);

    await waitFor("some withdrawals to settle", async () =>
      (await withdrawalStates(system!.database.url)).completed.size > 50 ? true : undefined,
    );
    const killed = system.settlements[0]!;
    await killed.kill();
    const settledBeforeKill = (await withdrawalStates(system.database.url)).completed.size;
    await sleep(300);
    const restarted = await system.startSettlement(0);

    const states = await allSettled(system.database.url);
    const { payouts, paidTwice } = await expectMoneyIntact(system, states);
    const startedByKilled = new Set(
      killed.logs
        .filter((l) => typeof l.transactionId === "string")
        .map((l) => l.transactionId as string),
    );
    const finishedByKilled = new Set(
      killed.logs
        .filter((l) => l.msg === "withdrawal settled")
        .map((l) => l.transactionId as string),
    );
    const redelivered = restarted.logs.filter(
      (l) =>
        l.msg === "withdrawal settled" &&
        startedByKilled.has(l.transactionId as string) &&
        !finishedByKilled.has(l.transactionId as string),
    ).length;
    console.log(
      `[kill test] withdrawals=500 settled-before-kill=${settledBeforeKill} completed=${states.completed.size} failed=${states.failed.size} ` +
        `parked=${states.parked.size} in-flight-at-kill-redelivered=${redelivered} paid-twice=${paidTwice} bank-payouts=${payouts.length} ledger-check=0 violations`,
    );
    expect(states.completed.size + states.failed.size + states.parked.size).toBe(500);
  });

  it("delivers what the wallet had committed when it was killed, and nothing twice", async () => {
    system = await startSystem();
    const client = clientFor(system.walletAddresses[0]!);
    const users = await fundUsers(client, 20, 1_000n);
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      client
        .withdraw({ userId: users[i % users.length]!, amount: 3n, idempotencyKey: newKey("k") })
        .then(
          (r) => r.transaction!.id,
          () => undefined,
        ),
    );
    await sleep(30);
    await system.wallets[0]!.kill();
    const answered = (await Promise.all(inFlight)).filter((id): id is string => id !== undefined);
    await system.startWallet(0);
    const states = await allSettled(system.database.url);
    // Every withdrawal the wallet confirmed reached the bank and back.
    for (const id of answered) expect(states.completed.has(id)).toBe(true);
    await expectMoneyIntact(system, states);
  });

  it("changes nothing when requests and results are republished by hand", async () => {
    system = await startSystem();
    const client = clientFor(system.walletAddresses[0]!);
    await client.charge({ userId: 1n, amount: 1_000n, idempotencyKey: newKey() });
    const { transaction } = await client.withdraw({
      userId: 1n,
      amount: 400n,
      idempotencyKey: newKey(),
    });
    const id = transaction!.id;
    await settled(client, id);
    const before = await client.getBalance({ userId: 1n });

    const topo = topology(system.natsPrefix);
    const nc = await connect({ servers: system.natsUrl });
    try {
      const js = jetstream(nc);
      const request = encodeWithdrawalRequested({
        transactionId: id,
        userId: 1n,
        amountMinor: 400n,
        attempt: 0,
      });
      const dropped = await js.publish(topo.requestSubject, request, { msgID: id });
      expect(dropped.duplicate).toBe(true);
      // Past the dedup window's reach: settlement sees it again and asks the bank with the same key.
      await js.publish(topo.requestSubject, request, { msgID: `${id}:by-hand` });
      await js.publish(
        topo.resultSubject,
        encodeWithdrawalResult({
          transactionId: id,
          outcome: "failed",
          reason: "forged",
          bankCalls: 1,
        }),
        {
          msgID: `${id}:forged`,
        },
      );
      await js.publish(
        topo.resultSubject,
        encodeWithdrawalResult({
          transactionId: id,
          outcome: "completed",
          bankReference: "X",
          bankCalls: 1,
        }),
        {
          msgID: `${id}:again`,
        },
      );
      await waitFor("the bank to see the republished request", async () => {
        const payout = (await bankPayouts(system!.bankUrl)).find((p) => p.reference === id);
        return payout && payout.requests >= 2 ? payout : undefined;
      });
      await sleep(1_000);
    } finally {
      await nc.close();
    }
    const payout = (await bankPayouts(system.bankUrl)).find((p) => p.reference === id);
    expect(payout).toMatchObject({ pay_count: 1, status: "paid" });
    expect(await client.getBalance({ userId: 1n })).toEqual({
      balance: { ...before.balance, asOf: expect.anything() },
    });
    const { transactions } = await client.listTransactions({
      userId: 1n,
      pageSize: 10,
      pageToken: "",
    });
    expect(transactions).toHaveLength(2);
    expect((await client.getTransaction({ id })).transaction?.bankReference).not.toBe("X");
  });

  it("accepts withdrawals up to the bound while NATS is down, and settles them all when it returns", async () => {
    const natsPort = await freePort();
    const storeDir = mkdtempSync(join(tmpdir(), "nats-e2e-"));
    const startNats = async (): Promise<ChildProcess> => {
      const nats = spawn(
        "nats-server",
        ["-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", storeDir],
        { stdio: "ignore" },
      );
      await waitFor("private nats-server", async () => {
        const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}`, timeout: 500 });
        await nc.close();
        return true;
      });
      return nats;
    };
    let nats = await startNats();
    try {
      system = await startSystem({
        natsUrl: `nats://127.0.0.1:${natsPort}`,
        walletEnv: { WITHDRAWAL_BACKLOG_MAX: "5" },
      });
      const client = clientFor(system.walletAddresses[0]!);
      await client.charge({ userId: 7n, amount: 100n, idempotencyKey: newKey() });
      nats.kill("SIGKILL");
      await new Promise((resolve) => nats.once("exit", resolve));
      await waitFor("the wallet to report NATS down", async () => {
        const health = await fetch(`http://127.0.0.1:${system!.walletOpsPorts[0]}/health`);
        return health.status === 503
          ? ((await health.json()) as { dependencies: Record<string, boolean> })
          : undefined;
      }).then((report) =>
        expect(report.dependencies).toMatchObject({ postgres: true, nats: false }),
      );

      const accepted: string[] = [];
      for (let i = 0; i < 5; i++)
        accepted.push(
          (await client.withdraw({ userId: 7n, amount: 1n, idempotencyKey: newKey() })).transaction!
            .id,
        );
      const refused = await client
        .withdraw({ userId: 7n, amount: 1n, idempotencyKey: newKey() })
        .catch((err: unknown) => err);
      expect((refused as ServiceError).code).toBe(status.RESOURCE_EXHAUSTED);
      expect((await client.getBalance({ userId: 7n })).balance).toMatchObject({
        available: 95n,
        pending: 5n,
      });

      nats = await startNats();
      for (const id of accepted) await settled(client, id, 60_000);
      const states = await allSettled(system.database.url);
      expect(states.completed.size).toBe(5);
      await expectMoneyIntact(system, states);
    } finally {
      await system?.stop();
      system = undefined;
      nats.kill("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it("shares the work between two wallets and two settlement instances, applying each outcome once", async () => {
    // debug: who settled and who applied each withdrawal is read from the per-withdrawal lines.
    system = await startSystem({
      wallets: 2,
      settlements: 2,
      walletEnv: { LOG_LEVEL: "debug" },
      settlementEnv: { LOG_LEVEL: "debug" },
      bankEnv: { BANK_SIM_REJECT_RATE: "0.2" },
    });
    const walletClients = system.walletAddresses.map(clientFor);
    const users = await fundUsers(walletClients[0]!, 40, 1_000n);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        walletClients[i % 2]!.withdraw({
          userId: users[i % users.length]!,
          amount: 5n,
          idempotencyKey: newKey("two"),
        }),
      ),
    );
    const states = await allSettled(system.database.url);
    expect(states.completed.size + states.failed.size).toBe(200);
    await expectMoneyIntact(system, states);
    for (const settlement of system.settlements) {
      expect(settlement.logs.filter((l) => l.msg === "withdrawal settled").length).toBeGreaterThan(
        0,
      );
    }
    const applied = system.wallets.flatMap((w) =>
      w.logs
        .filter((l) => l.msg === "settlement result applied")
        .map((l) => l.transactionId as string),
    );
    expect(applied).toHaveLength(200);
    expect(new Set(applied).size).toBe(200);
  });
});
