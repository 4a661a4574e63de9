import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { TransactionType } from "@wallet/proto";
import { waitFor } from "@wallet/test-kit";
import { createSettlementStore } from "../db/settlement-store.js";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
beforeAll(async () => {
  harness = await startWalletHarness({
    WITHDRAWAL_BACKLOG_MAX: "2",
    WITHDRAWAL_BACKLOG_REFRESH_MS: "50",
    OUTBOX_RELAY_ENABLED: "false",
  });
});
afterAll(() => harness?.close());

describe("withdrawal backlog bound", () => {
  it("answers RESOURCE_EXHAUSTED past the bound and changes nothing", async () => {
    const { client } = harness;
    await client.charge({ userId: 1n, amount: 100n, idempotencyKey: newKey() });
    await client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() });
    await client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() });
    const caught = await grpcError(
      client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() }),
    );
    expect(caught.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(caught.detail?.code).toBe("WITHDRAWAL_BACKLOG_FULL");
    expect((await client.getBalance({ userId: 1n })).balance).toMatchObject({
      available: 98n,
      pending: 2n,
    });
  });

  it("counts what other instances accepted: a second wallet on the same database starts with the bound full", async () => {
    const other = await startWalletHarness(
      {
        WITHDRAWAL_BACKLOG_MAX: "2",
        OUTBOX_RELAY_ENABLED: "false",
        NATS_PREFIX: harness.natsPrefix,
      },
      harness.database,
    );
    try {
      await other.client.charge({ userId: 2n, amount: 10n, idempotencyKey: newKey() });
      const caught = await grpcError(
        other.client.withdraw({ userId: 2n, amount: 1n, idempotencyKey: newKey() }),
      );
      expect(caught.detail?.code).toBe("WITHDRAWAL_BACKLOG_FULL");
    } finally {
      await other.stopWallet();
      await other.pool.end();
    }
  });

  it("frees a place once a withdrawal settles, at the next count", async () => {
    const { client } = harness;
    const { transactions } = await client.listTransactions({
      userId: 1n,
      pageSize: 10,
      pageToken: "",
    });
    const pending = transactions.find(
      (t) => t.type === TransactionType.TRANSACTION_TYPE_WITHDRAWAL,
    )!;
    const store = createSettlementStore(harness.pool);
    expect(
      await store.applyResults([
        { transactionId: pending.id, outcome: "completed", bankReference: "B-1", bankCalls: 1 },
      ]),
    ).toEqual(["applied"]);
    const key = newKey();
    // Refused until the next count sees the settlement; a refusal changes nothing, so retrying is safe.
    await waitFor("a place in the backlog", () =>
      client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: key }).then(
        () => true,
        () => undefined,
      ),
    );
    expect((await client.getBalance({ userId: 1n })).balance).toMatchObject({
      available: 97n,
      pending: 2n,
    });
  });
});
