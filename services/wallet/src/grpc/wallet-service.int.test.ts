import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import {
  TransactionStatus,
  TransactionType,
  timestampFromDate,
  type WalletClient,
} from "@wallet/proto";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
let client: WalletClient;
let nextUser = 1_000n;
const newUser = () => (nextUser += 1n);

beforeAll(async () => {
  harness = await startWalletHarness({ OUTBOX_RELAY_ENABLED: "false" });
  client = harness.client;
});
afterAll(() => harness?.close());

/** Everything a refused request must leave unchanged. */
async function stateOf(userId: bigint) {
  const { balance } = await client.getBalance({ userId });
  const { transactions } = await client.listTransactions({ userId, pageSize: 100, pageToken: "" });
  const { rows } = await harness.pool.query("select count(*)::int as n from outbox");
  return { balance: { ...balance, asOf: undefined }, transactions, outbox: rows[0].n as number };
}

describe("Charge", () => {
  it("credits the user and returns the completed transaction", async () => {
    const userId = newUser();
    const key = newKey();
    const { transaction } = await client.charge({ userId, amount: 5_000n, idempotencyKey: key });
    expect(transaction).toMatchObject({
      userId,
      amount: 5_000n,
      type: TransactionType.TRANSACTION_TYPE_CHARGE,
      status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
      idempotencyKey: key,
    });
    const { balance } = await client.getBalance({ userId });
    expect(balance).toMatchObject({ available: 5_000n, locked: 0n, pending: 0n, total: 5_000n });
  });

  it.each([1n, 2n ** 53n + 1n, 2n ** 63n - 1n])(
    "round-trips the amount %s exactly",
    async (amount) => {
      const userId = newUser();
      const { transaction } = await client.charge({ userId, amount, idempotencyKey: newKey() });
      expect(transaction?.amount).toBe(amount);
      const { balance } = await client.getBalance({ userId });
      expect(balance?.available).toBe(amount);
      const fetched = await client.getTransaction({ id: transaction!.id });
      expect(fetched.transaction?.amount).toBe(amount);
    },
  );

  it("cannot even encode 2^63, and refuses the negative value it wraps to on the wire", async () => {
    const unencodable = await grpcError(
      client.charge({ userId: 1n, amount: 2n ** 63n, idempotencyKey: newKey() }),
    );
    expect(unencodable.message).toMatch(/serializ/i);
    const caught = await grpcError(
      client.charge({ userId: 1n, amount: -(2n ** 63n), idempotencyKey: newKey() }),
    );
    expect(caught.code).toBe(status.INVALID_ARGUMENT);
    expect(caught.detail?.field).toBe("amount");
  });

  it("refuses a charge that would take the balance past 2^63−1, and changes nothing", async () => {
    const userId = newUser();
    await client.charge({ userId, amount: 2n ** 63n - 1n, idempotencyKey: newKey() });
    const before = await stateOf(userId);
    const caught = await grpcError(client.charge({ userId, amount: 1n, idempotencyKey: newKey() }));
    expect(caught.code).toBe(status.INVALID_ARGUMENT);
    expect(caught.detail?.code).toBe("BALANCE_OVERFLOW");
    expect(await stateOf(userId)).toEqual(before);
  });

  it.each([
    ["user_id", { userId: 0n, amount: 1n, idempotencyKey: "k" }],
    ["amount", { userId: 5n, amount: 0n, idempotencyKey: "k" }],
    ["amount", { userId: 5n, amount: -3n, idempotencyKey: "k" }],
    ["idempotency_key", { userId: 5n, amount: 1n, idempotencyKey: "" }],
    ["idempotency_key", { userId: 5n, amount: 1n, idempotencyKey: "k".repeat(256) }],
    [
      "release_at",
      {
        userId: 5n,
        amount: 1n,
        idempotencyKey: "k",
        releaseAt: { seconds: 1n, nanos: 2_000_000_000 },
      },
    ],
    [
      "release_at",
      { userId: 5n, amount: 1n, idempotencyKey: "k", releaseAt: { seconds: -1n, nanos: 0 } },
    ],
    [
      "release_at",
      {
        userId: 5n,
        amount: 1n,
        idempotencyKey: "k",
        releaseAt: { seconds: 253_402_300_799n, nanos: 0 },
      },
    ],
  ])("answers INVALID_ARGUMENT naming %s, and changes nothing", async (field, request) => {
    const before = await stateOf(5n);
    const caught = await grpcError(client.charge(request));
    expect(caught.code).toBe(status.INVALID_ARGUMENT);
    expect(caught.detail).toMatchObject({ code: "INVALID_ARGUMENT", field });
    expect(caught.message).toContain(field);
    expect(await stateOf(5n)).toEqual(before);
  });
});

describe("idempotency", () => {
  it("answers a repeat with ALREADY_EXISTS carrying the original transaction", async () => {
    const userId = newUser();
    const key = newKey();
    const { transaction } = await client.charge({ userId, amount: 700n, idempotencyKey: key });
    const caught = await grpcError(client.charge({ userId, amount: 700n, idempotencyKey: key }));
    expect(caught.code).toBe(status.ALREADY_EXISTS);
    expect(caught.detail?.code).toBe("DUPLICATE_REQUEST");
    expect(caught.detail?.transaction?.id).toBe(transaction!.id);
    expect((await client.getBalance({ userId })).balance?.available).toBe(700n);
  });

  it("gives reuse with another amount, type or release time its own code", async () => {
    const userId = newUser();
    const key = newKey();
    await client.charge({ userId, amount: 700n, idempotencyKey: key });
    for (const attempt of [
      () => client.charge({ userId, amount: 701n, idempotencyKey: key }),
      () => client.withdraw({ userId, amount: 700n, idempotencyKey: key }),
      () =>
        client.charge({
          userId,
          amount: 700n,
          idempotencyKey: key,
          releaseAt: timestampFromDate(new Date(Date.now() + 60_000)),
        }),
    ]) {
      const caught = await grpcError(attempt());
      expect(caught.code).toBe(status.ALREADY_EXISTS);
      expect(caught.detail?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect((await client.getBalance({ userId })).balance?.total).toBe(700n);
  });

  it("scopes keys per user: the same key for two users is two requests", async () => {
    const [a, b] = [newUser(), newUser()];
    const key = newKey();
    await client.charge({ userId: a, amount: 1n, idempotencyKey: key });
    await client.charge({ userId: b, amount: 2n, idempotencyKey: key });
    expect((await client.getBalance({ userId: b })).balance?.available).toBe(2n);
  });
});

describe("Withdraw", () => {
  it("moves the amount from available to pending and writes an outbox row", async () => {
    const userId = newUser();
    await client.charge({ userId, amount: 1_000n, idempotencyKey: newKey() });
    const { transaction } = await client.withdraw({
      userId,
      amount: 300n,
      idempotencyKey: newKey(),
    });
    expect(transaction).toMatchObject({
      type: TransactionType.TRANSACTION_TYPE_WITHDRAWAL,
      status: TransactionStatus.TRANSACTION_STATUS_PENDING,
      amount: 300n,
    });
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 700n,
      pending: 300n,
      total: 1_000n,
    });
    const { rows } = await harness.pool.query(
      "select count(*)::int as n from outbox where transaction_id = $1",
      [transaction!.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it("refuses more than available with FAILED_PRECONDITION, and changes nothing", async () => {
    const userId = newUser();
    await client.charge({ userId, amount: 100n, idempotencyKey: newKey() });
    const before = await stateOf(userId);
    const caught = await grpcError(
      client.withdraw({ userId, amount: 101n, idempotencyKey: newKey() }),
    );
    expect(caught.code).toBe(status.FAILED_PRECONDITION);
    expect(caught.detail?.code).toBe("INSUFFICIENT_FUNDS");
    expect(await stateOf(userId)).toEqual(before);
  });

  it("refuses a user who was never charged with FAILED_PRECONDITION", async () => {
    const caught = await grpcError(
      client.withdraw({ userId: newUser(), amount: 1n, idempotencyKey: newKey() }),
    );
    expect(caught.code).toBe(status.FAILED_PRECONDITION);
  });

  it("answers a repeat of an accepted withdrawal with ALREADY_EXISTS even once funds ran out", async () => {
    const userId = newUser();
    await client.charge({ userId, amount: 100n, idempotencyKey: newKey() });
    const key = newKey();
    const { transaction } = await client.withdraw({ userId, amount: 100n, idempotencyKey: key });
    const caught = await grpcError(client.withdraw({ userId, amount: 100n, idempotencyKey: key }));
    expect(caught.code).toBe(status.ALREADY_EXISTS);
    expect(caught.detail?.transaction?.id).toBe(transaction!.id);
  });
});

describe("release_at", () => {
  it("locks until exactly release_at, with no sweeper involved", async () => {
    const userId = newUser();
    await client.charge({ userId, amount: 50n, idempotencyKey: newKey() });
    const releaseAt = new Date(Date.now() + 1_500);
    await client.charge({
      userId,
      amount: 400n,
      idempotencyKey: newKey(),
      releaseAt: timestampFromDate(releaseAt),
    });

    const before = (await client.getBalance({ userId })).balance!;
    expect(before).toMatchObject({ available: 50n, locked: 400n, total: 450n });
    expect(before.nextReleaseAt).toEqual(timestampFromDate(releaseAt));
    const refused = await grpcError(
      client.withdraw({ userId, amount: 450n, idempotencyKey: newKey() }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);

    await new Promise((resolve) => setTimeout(resolve, releaseAt.getTime() - Date.now() + 5));
    const after = (await client.getBalance({ userId })).balance!;
    expect(after).toMatchObject({ available: 450n, locked: 0n, total: 450n });
    expect(after.nextReleaseAt).toBeUndefined();
    const { transaction } = await client.withdraw({
      userId,
      amount: 450n,
      idempotencyKey: newKey(),
    });
    expect(transaction?.amount).toBe(450n);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 0n,
      locked: 0n,
      pending: 450n,
    });
  });

  it("makes a charge with a past release_at available at once, and records the time", async () => {
    const userId = newUser();
    const releaseAt = timestampFromDate(new Date("2024-01-20T10:00:00Z"));
    const { transaction } = await client.charge({
      userId,
      amount: 10n,
      idempotencyKey: newKey(),
      releaseAt,
    });
    expect(transaction?.releaseAt).toEqual(releaseAt);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 10n,
      locked: 0n,
    });
  });
});

describe("GetBalance, GetTransaction, ListTransactions", () => {
  it("answers an unknown user with an empty balance", async () => {
    expect((await client.getBalance({ userId: newUser() })).balance).toMatchObject({
      available: 0n,
      locked: 0n,
      pending: 0n,
      total: 0n,
    });
  });

  it("answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one", async () => {
    expect(
      (await grpcError(client.getTransaction({ id: "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f" }))).code,
    ).toBe(status.NOT_FOUND);
    expect((await grpcError(client.getTransaction({ id: "not-a-uuid" }))).code).toBe(
      status.INVALID_ARGUMENT,
    );
  });

  it("lists newest first in pages, and refuses a bad page token or size", async () => {
    const userId = newUser();
    for (let i = 1n; i <= 5n; i++)
      await client.charge({ userId, amount: i, idempotencyKey: newKey() });
    const first = await client.listTransactions({ userId, pageSize: 2, pageToken: "" });
    expect(first.transactions.map((t) => t.amount)).toEqual([5n, 4n]);
    const second = await client.listTransactions({
      userId,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.transactions.map((t) => t.amount)).toEqual([3n, 2n]);
    const third = await client.listTransactions({
      userId,
      pageSize: 2,
      pageToken: second.nextPageToken,
    });
    expect(third.transactions.map((t) => t.amount)).toEqual([1n]);
    expect(third.nextPageToken).toBe("");

    expect(
      (await grpcError(client.listTransactions({ userId, pageSize: 2, pageToken: "bogus" }))).detail
        ?.field,
    ).toBe("page_token");
    expect(
      (await grpcError(client.listTransactions({ userId, pageSize: 101, pageToken: "" }))).detail
        ?.field,
    ).toBe("page_size");
    expect(
      (await grpcError(client.listTransactions({ userId: 0n, pageSize: 1, pageToken: "" }))).detail
        ?.field,
    ).toBe("user_id");
  });
});

describe("malformed requests", () => {
  it("answers bytes that are not a valid message with INVALID_ARGUMENT, not INTERNAL", async () => {
    const caught = await grpcError(
      new Promise((resolve, reject) =>
        client.raw.makeUnaryRequest(
          "/wallet.v1.WalletService/Withdraw",
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.from([0x0e, 0x01]),
          (err, value) => (err ? reject(err) : resolve(value)),
        ),
      ),
    );
    expect(caught.code).toBe(status.INVALID_ARGUMENT);
    expect(caught.detail?.field).toBe("request");
  });
});

describe("dependencies", () => {
  it("answers UNAVAILABLE, not INTERNAL, while PostgreSQL refuses connections, then recovers", async () => {
    const userId = newUser();
    await harness.database.setConnectionsAllowed(false);
    try {
      const caught = await grpcError(
        client.charge({ userId, amount: 1n, idempotencyKey: newKey() }),
      );
      expect(caught, JSON.stringify(caught)).toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      await harness.database.setConnectionsAllowed(true);
    }
    await client.charge({ userId, amount: 1n, idempotencyKey: newKey() });
    expect((await client.getBalance({ userId })).balance?.available).toBe(1n);
  });
});
