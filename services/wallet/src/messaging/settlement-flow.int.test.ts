import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { TransactionStatus, TransactionType } from "@wallet/proto";
import {
  decodeWithdrawalRequested,
  encodeWithdrawalResult,
  resultMessageId,
  topology,
  type Topology,
  type WithdrawalResult,
} from "@wallet/messages";
import { createLogger } from "@wallet/logger";
import { captureLogLines, waitFor } from "@wallet/test-kit";
import { checkLedger } from "../db/ledger-check.js";
import { createSettlementStore } from "../db/settlement-store.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let topo: Topology;
const testConsumer = "test_settlement";
/** The wallet's lines at info, the default level. */
const { destination: logDestination, lines: logLines } = captureLogLines();
const linesAbout = (transactionId: string) =>
  logLines.filter((line) => line.transactionId === transactionId).map((line) => line.msg);

beforeAll(async () => {
  const logger = createLogger("wallet-test", "info", logDestination);
  harness = await startWalletHarness(
    { OUTBOX_SWEEP_INTERVAL_MS: "200", RESULTS_RETRY_DELAY_MS: "100" },
    undefined,
    logger,
  );
  topo = topology(harness.natsPrefix);
  nc = await connect({ servers: "nats://127.0.0.1:4222" });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await waitFor("streams", () => jsm.streams.info(topo.resultStream).then(() => true));
  // Stands in for settlement: a consumer on the request stream that the test reads by hand.
  await jsm.consumers.add(topo.requestStream, {
    durable_name: testConsumer,
    ack_policy: AckPolicy.Explicit,
  });
});

afterAll(async () => {
  await harness?.close();
  await nc?.close();
});

/** Takes the next withdrawal request from the stream, as settlement would. */
async function nextRequest() {
  const consumer = await js.consumers.get(topo.requestStream, testConsumer);
  const msg = await consumer.next({ expires: 5_000 });
  if (!msg) throw new Error("no withdrawal request was published");
  msg.ack();
  return { request: decodeWithdrawalRequested(msg.data), msgId: msg.headers?.get("Nats-Msg-Id") };
}

async function publishResult(
  result: WithdrawalResult,
  attempt = 0,
  msgID = resultMessageId(result.transactionId, attempt),
) {
  await js.publish(topo.resultSubject, encodeWithdrawalResult(result), { msgID });
}

async function fundedWithdrawal(userId: bigint, amount: bigint) {
  await harness.client.charge({ userId, amount, idempotencyKey: newKey() });
  const { transaction } = await harness.client.withdraw({
    userId,
    amount,
    idempotencyKey: newKey(),
  });
  const { request, msgId } = await nextRequest();
  expect(request.transactionId).toBe(transaction!.id);
  return { id: transaction!.id, request, msgId };
}

const statusOf = async (id: string) => (await harness.client.getTransaction({ id })).transaction!;

describe("outbox relay and settlement results", () => {
  it("publishes a withdrawal right after commit with Nats-Msg-Id = transaction id, and empties the outbox", async () => {
    const { id, request, msgId } = await fundedWithdrawal(1n, 300n);
    expect(msgId).toBe(id);
    expect(request).toMatchObject({ userId: 1n, amountMinor: 300n, attempt: 0 });
    // The row goes once JetStream has acknowledged the publish (the delete follows the PubAck).
    await waitFor("the outbox to empty", async () => {
      const { rows } = await harness.pool.query("select count(*)::int as n from outbox");
      return rows[0].n === 0 ? true : undefined;
    });
  });

  it("completes a withdrawal once, however often the result arrives", async () => {
    const { id } = await fundedWithdrawal(2n, 500n);
    const result: WithdrawalResult = {
      transactionId: id,
      outcome: "completed",
      bankReference: "BANK-1",
      bankCalls: 1,
    };
    await publishResult(result);
    await waitFor("completion", async () =>
      (await statusOf(id)).status === TransactionStatus.TRANSACTION_STATUS_COMPLETED
        ? true
        : undefined,
    );
    // The same result again, past JetStream's dedup, and a contradicting late one.
    await publishResult(result, 0, `${id}:again`);
    await publishResult(
      { transactionId: id, outcome: "failed", reason: "late", bankCalls: 1 },
      0,
      `${id}:late`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await statusOf(id)).toMatchObject({
      status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
      bankReference: "BANK-1",
    });
    expect((await harness.client.getBalance({ userId: 2n })).balance).toMatchObject({
      available: 0n,
      pending: 0n,
      total: 0n,
    });
    // At info the completion writes no line (its row records it); the two that changed nothing do.
    expect(linesAbout(id)).toEqual([
      "settlement result changed nothing (duplicate or late)",
      "settlement result changed nothing (duplicate or late)",
    ]);
  });

  it("refunds a rejected withdrawal exactly once, and history shows the failure and the refund", async () => {
    const { id } = await fundedWithdrawal(3n, 700n);
    const result: WithdrawalResult = {
      transactionId: id,
      outcome: "failed",
      reason: "account closed",
      bankCalls: 1,
    };
    await publishResult(result);
    await publishResult(result, 0, `${id}:dup`);
    await waitFor("refund", async () =>
      (await statusOf(id)).status === TransactionStatus.TRANSACTION_STATUS_FAILED
        ? true
        : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await harness.client.getBalance({ userId: 3n })).balance).toMatchObject({
      available: 700n,
      pending: 0n,
    });
    const { transactions } = await harness.client.listTransactions({
      userId: 3n,
      pageSize: 10,
      pageToken: "",
    });
    const refund = transactions.find((t) => t.type === TransactionType.TRANSACTION_TYPE_REFUND);
    expect(transactions).toHaveLength(3);
    expect(refund).toMatchObject({
      amount: 700n,
      relatedTransactionId: id,
      status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
    });
    expect(await statusOf(id)).toMatchObject({
      failureReason: "account closed",
      relatedTransactionId: refund!.id,
    });
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: "info",
        msg: "settlement result applied",
        transactionId: id,
        outcome: "failed",
        reason: "account closed",
      }),
    );
  });

  it("parks a withdrawal without refunding it, and an operator retry sends it again under a new message id", async () => {
    const { id } = await fundedWithdrawal(4n, 200n);
    await publishResult({
      transactionId: id,
      outcome: "parked",
      reason: "bank unreachable",
      bankCalls: 8,
    });
    const store = createSettlementStore(harness.pool);
    await waitFor("parking", async () =>
      (await store.listParked(10)).some((p) => p.id === id) ? true : undefined,
    );
    expect(await statusOf(id)).toMatchObject({
      status: TransactionStatus.TRANSACTION_STATUS_PENDING,
    });
    expect((await harness.client.getBalance({ userId: 4n })).balance).toMatchObject({
      available: 0n,
      pending: 200n,
    });

    expect(await store.retryParked([id])).toEqual([id]);
    expect(await store.retryParked([id])).toEqual([]);
    const { request, msgId } = await nextRequest();
    expect(request).toMatchObject({ transactionId: id, attempt: 1 });
    expect(msgId).toBe(`${id}:retry-1`);
    await publishResult(
      { transactionId: id, outcome: "completed", bankReference: "B-4", bankCalls: 1 },
      1,
    );
    await waitFor("completion", async () =>
      (await statusOf(id)).status === TransactionStatus.TRANSACTION_STATUS_COMPLETED
        ? true
        : undefined,
    );
    expect(await store.listParked(10)).toEqual([]);
  });

  it("terminates a malformed result and keeps applying the ones after it", async () => {
    const { id } = await fundedWithdrawal(5n, 50n);
    await js.publish(topo.resultSubject, new TextEncoder().encode("{not json"), {
      msgID: `poison-${id}`,
    });
    await publishResult({
      transactionId: id,
      outcome: "completed",
      bankReference: "B-5",
      bankCalls: 1,
    });
    await waitFor("completion", async () =>
      (await statusOf(id)).status === TransactionStatus.TRANSACTION_STATUS_COMPLETED
        ? true
        : undefined,
    );
  });

  it("publishes what a wallet left in the outbox when it died between commit and publish", async () => {
    const database = harness.database;
    // A wallet whose relay never runs stands for one killed right after the commit.
    const silent = await startWalletHarness(
      { OUTBOX_RELAY_ENABLED: "false", NATS_PREFIX: harness.natsPrefix },
      database,
    );
    await silent.client.charge({ userId: 6n, amount: 10n, idempotencyKey: newKey() });
    const { transaction } = await silent.client.withdraw({
      userId: 6n,
      amount: 10n,
      idempotencyKey: newKey(),
    });
    await silent.stopWallet();
    await silent.pool.end();
    // The running wallet's sweep finds the row.
    const { request, msgId } = await nextRequest();
    expect(request.transactionId).toBe(transaction!.id);
    expect(msgId).toBe(transaction!.id);
    await waitFor("the outbox to empty", async () => {
      const { rows } = await harness.pool.query("select count(*)::int as n from outbox");
      return rows[0].n === 0 ? true : undefined;
    });
  });

  it("applies a burst of results for one withdrawal in arrival order: the first wins, the contradicting one changes nothing", async () => {
    const { id } = await fundedWithdrawal(7n, 90n);
    // Published back to back, so they arrive together; they must not share a batch.
    await Promise.all([
      publishResult({
        transactionId: id,
        outcome: "completed",
        bankReference: "B-7",
        bankCalls: 1,
      }),
      publishResult(
        { transactionId: id, outcome: "failed", reason: "contradiction", bankCalls: 1 },
        0,
        `${id}:contradiction`,
      ),
    ]);
    await waitFor("completion", async () =>
      (await statusOf(id)).status === TransactionStatus.TRANSACTION_STATUS_COMPLETED
        ? true
        : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await harness.client.getBalance({ userId: 7n })).balance).toMatchObject({
      available: 0n,
      pending: 0n,
    });
    const { transactions } = await harness.client.listTransactions({
      userId: 7n,
      pageSize: 10,
      pageToken: "",
    });
    expect(transactions.filter((t) => t.type === TransactionType.TRANSACTION_TYPE_REFUND)).toEqual(
      [],
    );
  });

  it("applies a mixed batch in one statement: several withdrawals of one user, unknown and stale results beside them", async () => {
    const store = createSettlementStore(harness.pool);
    const userId = 8n;
    await harness.client.charge({ userId, amount: 1_000n, idempotencyKey: newKey() });
    const ids: string[] = [];
    for (const amount of [100n, 200n, 300n]) {
      const { transaction } = await harness.client.withdraw({
        userId,
        amount,
        idempotencyKey: newKey(),
      });
      ids.push(transaction!.id);
      await nextRequest();
    }
    const [completed, failed, parked] = ids as [string, string, string];
    const batch: WithdrawalResult[] = [
      { transactionId: completed, outcome: "completed", bankReference: "B-8", bankCalls: 1 },
      {
        transactionId: "00000000-0000-4000-8000-000000000000",
        outcome: "completed",
        bankReference: "B-none",
        bankCalls: 1,
      },
      { transactionId: failed, outcome: "failed", reason: "limit", bankCalls: 1 },
      { transactionId: parked, outcome: "parked", reason: "bank unreachable", bankCalls: 8 },
    ];
    expect(await store.applyResults(batch)).toEqual(["applied", "ignored", "applied", "applied"]);
    // Completed: pending 100 gone. Failed: 200 back to available. Parked: 300 stays pending.
    expect((await harness.client.getBalance({ userId })).balance).toMatchObject({
      available: 600n,
      pending: 300n,
      total: 900n,
    });
    expect(await statusOf(failed)).toMatchObject({
      status: TransactionStatus.TRANSACTION_STATUS_FAILED,
      failureReason: "limit",
    });
    expect((await store.listParked(10)).map((p) => p.id)).toContain(parked);
    // The same batch again is all stale but the parking, which only re-marks a pending withdrawal.
    expect(await store.applyResults(batch)).toEqual(["ignored", "ignored", "ignored", "applied"]);
    expect((await harness.client.getBalance({ userId })).balance).toMatchObject({
      available: 600n,
      pending: 300n,
    });
    await expect(store.applyResults([batch[0]!, batch[0]!])).rejects.toThrow(RangeError);
  });

  it("leaves a consistent ledger behind", async () => {
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
  });
});
