/**
 * Withdrawals end to end: wallet → outbox → JetStream → settlement → bank-sim → results →
 * wallet, with every process real. Bank behaviour is scripted per test through bank-sim's admin
 * API; each test waits for the withdrawal's final state through GetTransaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TransactionStatus,
  TransactionType,
  createWalletClient,
  type WalletClient,
} from "@wallet/proto";
import {
  bankPayouts,
  scriptBank,
  startSystem,
  type RunningSystem,
  waitFor,
} from "@wallet/test-kit";
import { newKey, settled, walletCli } from "./helpers.js";

let system: RunningSystem;
let client: WalletClient;
let nextUser = 100n;

beforeAll(async () => {
  system = await startSystem({
    settlementEnv: {
      SETTLEMENT_MAX_ATTEMPTS: "3",
      SETTLEMENT_BACKOFF_MS_BASE: "50",
      SETTLEMENT_BACKOFF_MS_MAX: "200",
      BANK_TIMEOUT_MS: "1000",
    },
  });
  client = createWalletClient(system.walletAddresses[0]!, 10_000);
});
afterAll(async () => {
  client?.close();
  await system?.stop();
});

async function fundAndWithdraw(amount: bigint) {
  const userId = (nextUser += 1n);
  await client.charge({ userId, amount: 1_000n, idempotencyKey: newKey() });
  const { transaction } = await client.withdraw({ userId, amount, idempotencyKey: newKey() });
  return { userId, id: transaction!.id };
}

const payoutOf = async (reference: string) =>
  (await bankPayouts(system.bankUrl)).find((p) => p.reference === reference);

describe("withdrawal settlement", () => {
  it("completes a withdrawal the bank pays, paying once", async () => {
    await scriptBank(system.bankUrl, ["paid"]);
    const { userId, id } = await fundAndWithdraw(300n);
    const done = await settled(client, id);
    expect(done.status).toBe(TransactionStatus.TRANSACTION_STATUS_COMPLETED);
    expect(done.bankReference).not.toBe("");
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 700n,
      pending: 0n,
      total: 700n,
    });
    expect(await payoutOf(id)).toMatchObject({ status: "paid", pay_count: 1, amount: "300" });
  });

  it("refunds a withdrawal the bank rejects, and history shows the failure and the refund", async () => {
    await scriptBank(system.bankUrl, ["rejected"]);
    const { userId, id } = await fundAndWithdraw(400n);
    const done = await settled(client, id);
    expect(done.status).toBe(TransactionStatus.TRANSACTION_STATUS_FAILED);
    expect(done.failureReason).not.toBe("");
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 1_000n,
      pending: 0n,
    });
    const { transactions } = await client.listTransactions({ userId, pageSize: 10, pageToken: "" });
    expect(transactions.map((t) => t.type)).toEqual([
      TransactionType.TRANSACTION_TYPE_REFUND,
      TransactionType.TRANSACTION_TYPE_WITHDRAWAL,
      TransactionType.TRANSACTION_TYPE_CHARGE,
    ]);
    expect(transactions[0]).toMatchObject({ amount: 400n, relatedTransactionId: id });
    expect(await payoutOf(id)).toMatchObject({ status: "rejected", pay_count: 0 });
  });

  it("rides out two 5xx answers and then completes, paid once", async () => {
    await scriptBank(system.bankUrl, ["error", "error", "paid"]);
    const { id } = await fundAndWithdraw(100n);
    expect((await settled(client, id)).status).toBe(TransactionStatus.TRANSACTION_STATUS_COMPLETED);
    expect(await payoutOf(id)).toMatchObject({ status: "paid", pay_count: 1, requests: 3 });
  });

  it("completes a withdrawal whose bank response was lost after paying, and never refunds it", async () => {
    await scriptBank(system.bankUrl, ["lost_response"]);
    const { userId, id } = await fundAndWithdraw(250n);
    expect((await settled(client, id)).status).toBe(TransactionStatus.TRANSACTION_STATUS_COMPLETED);
    expect(await payoutOf(id)).toMatchObject({ status: "paid", pay_count: 1 });
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 750n,
      pending: 0n,
    });
  });

  it("parks a withdrawal while the bank is down past the retry budget, then completes it on an operator retry", async () => {
    await scriptBank(
      system.bankUrl,
      Array.from({ length: 20 }, () => "error"),
    );
    const { userId, id } = await fundAndWithdraw(500n);
    await waitFor(
      "the withdrawal to be parked",
      async () => {
        const list = await walletCli("parked", ["list"], system.database.url);
        return list.stdout.includes(id) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect((await client.getTransaction({ id })).transaction?.status).toBe(
      TransactionStatus.TRANSACTION_STATUS_PENDING,
    );
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 500n,
      pending: 500n,
    });

    await scriptBank(system.bankUrl, []);
    const retry = await walletCli("parked", ["retry", id], system.database.url);
    expect(retry.stdout).toContain("retried 1");
    expect((await settled(client, id)).status).toBe(TransactionStatus.TRANSACTION_STATUS_COMPLETED);
    expect(await payoutOf(id)).toMatchObject({ status: "paid", pay_count: 1 });
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 500n,
      pending: 0n,
    });
  });

  it("leaves a ledger the check passes", async () => {
    const check = await walletCli("ledger-check", [], system.database.url);
    expect(check.stdout).toContain("violations:           0");
    expect(check.code).toBe(0);
  });
});
