import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { timestampFromDate } from "@wallet/proto";
import { checkLedger } from "./ledger-check.js";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
beforeAll(async () => {
  // One lane, so every concurrent write lands in the same queue and batches are large.
  harness = await startWalletHarness({
    OUTBOX_RELAY_ENABLED: "false",
    WRITE_LANES: "1",
    WRITE_BATCH_MAX: "64",
  });
});
afterAll(() => harness?.close());

/** Mean requests per committed batch so far, from the wallet's own metrics. */
async function meanBatchSize(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${harness.app.opsPort}/metrics`)).text();
  const value = (name: string) =>
    Number(
      /^(\S+)\s+(\S+)$/m.exec(
        text
          .split("\n")
          .filter((l) => l.startsWith(name))
          .join("\n"),
      )?.[2],
    );
  return value("wallet_write_batch_size_sum") / value("wallet_write_batch_size_count");
}

const settle = <T>(promises: Promise<T>[]) =>
  Promise.all(promises.map((p) => grpcError(p).catch(() => "ok" as const)));

describe("the write batcher", () => {
  it("gives each request in a mixed batch its own outcome", async () => {
    const { client } = harness;
    const userId = 1n;
    const seenKey = newKey();
    await client.charge({ userId, amount: 100n, idempotencyKey: seenKey });
    const sameBatchKey = newKey();
    const outcomes = await settle([
      client.charge({ userId, amount: 10n, idempotencyKey: newKey() }),
      client.charge({ userId, amount: 0n, idempotencyKey: newKey() }),
      client.charge({ userId, amount: 100n, idempotencyKey: seenKey }),
      client.charge({ userId, amount: 999n, idempotencyKey: seenKey }),
      client.charge({ userId, amount: 5n, idempotencyKey: sameBatchKey }),
      client.charge({ userId, amount: 5n, idempotencyKey: sameBatchKey }),
      client.withdraw({ userId, amount: 1_000n, idempotencyKey: newKey() }),
      client.charge({ userId: 2n, amount: 2n ** 63n - 1n, idempotencyKey: newKey() }),
      client.charge({ userId: 2n, amount: 1n, idempotencyKey: newKey() }),
      client.charge({ userId: 3n, amount: 7n, idempotencyKey: newKey() }),
    ]);
    const summary = outcomes.map((o) => (o === "ok" ? "ok" : o.detail?.code));
    expect(summary).toEqual([
      "ok",
      "INVALID_ARGUMENT",
      "DUPLICATE_REQUEST",
      "IDEMPOTENCY_KEY_REUSED",
      "ok",
      "DUPLICATE_REQUEST",
      "INSUFFICIENT_FUNDS",
      "ok",
      "BALANCE_OVERFLOW",
      "ok",
    ]);
    expect((await client.getBalance({ userId })).balance?.available).toBe(115n);
    expect((await client.getBalance({ userId: 3n })).balance?.available).toBe(7n);
    expect(await meanBatchSize()).toBeGreaterThan(1);
  });

  it("answers each charge of a charges-only batch (one statement): new, duplicate, reused key, locked, new wallet", async () => {
    const { client } = harness;
    const userId = 40n;
    const seenKey = newKey();
    await client.charge({ userId, amount: 100n, idempotencyKey: seenKey });
    const sameBatchKey = newKey();
    const future = timestampFromDate(new Date(Date.now() + 3_600_000));
    const outcomes = await settle([
      client.charge({ userId, amount: 10n, idempotencyKey: newKey() }),
      client.charge({ userId, amount: 100n, idempotencyKey: seenKey }),
      client.charge({ userId, amount: 999n, idempotencyKey: seenKey }),
      client.charge({ userId, amount: 5n, idempotencyKey: sameBatchKey }),
      client.charge({ userId, amount: 5n, idempotencyKey: sameBatchKey }),
      client.charge({ userId, amount: 20n, idempotencyKey: newKey(), releaseAt: future }),
      client.charge({ userId: 41n, amount: 7n, idempotencyKey: newKey() }),
    ]);
    const summary = outcomes.map((o) => (o === "ok" ? "ok" : o.detail?.code));
    expect(summary).toEqual([
      "ok",
      "DUPLICATE_REQUEST",
      "IDEMPOTENCY_KEY_REUSED",
      "ok",
      "DUPLICATE_REQUEST",
      "ok",
      "ok",
    ]);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 115n,
      locked: 20n,
      pending: 0n,
    });
    expect((await client.getBalance({ userId: 41n })).balance?.available).toBe(7n);
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
  });

  it("isolates the charge that would overflow a charges-only batch, keeping a user's charges in arrival order", async () => {
    const { client } = harness;
    const max = 2n ** 63n - 1n;
    const outcomes = await settle([
      client.charge({ userId: 42n, amount: max - 1n, idempotencyKey: newKey() }),
      client.charge({ userId: 43n, amount: 3n, idempotencyKey: newKey() }),
      client.charge({ userId: 42n, amount: 2n, idempotencyKey: newKey() }),
      client.charge({ userId: 42n, amount: 1n, idempotencyKey: newKey() }),
    ]);
    expect(outcomes.map((o) => (o === "ok" ? "ok" : o.detail?.code))).toEqual([
      "ok",
      "ok",
      "BALANCE_OVERFLOW",
      "ok",
    ]);
    expect((await client.getBalance({ userId: 42n })).balance?.available).toBe(max);
    expect((await client.getBalance({ userId: 43n })).balance?.available).toBe(3n);
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
  });

  it("checks overdrawing withdrawals inside one batch in order, against the balance as it stands", async () => {
    const { client } = harness;
    const userId = 10n;
    await client.charge({ userId, amount: 50n, idempotencyKey: newKey() });
    const amounts = [20n, 40n, 20n, 10n, 5n, 1n];
    const outcomes = await settle(
      amounts.map((amount) => client.withdraw({ userId, amount, idempotencyKey: newKey() })),
    );
    const accepted = amounts.filter((_, i) => outcomes[i] === "ok");
    const refused = outcomes.filter((o): o is Exclude<typeof o, "ok"> => o !== "ok");
    for (const r of refused) expect(r.code).toBe(status.FAILED_PRECONDITION);
    const withdrawn = accepted.reduce((a, b) => a + b, 0n);
    expect(withdrawn).toBeLessThanOrEqual(50n);
    // 20 + 20 + 10 fits exactly once 40 is refused; the batch must not leave money on the table.
    expect(withdrawn).toBe(50n);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 0n,
      pending: 50n,
    });
  });

  it("folds a matured lock inside a batch so a withdrawal in the same batch can spend it", async () => {
    const { client } = harness;
    const userId = 20n;
    await client.charge({
      userId,
      amount: 30n,
      idempotencyKey: newKey(),
      releaseAt: timestampFromDate(new Date(Date.now() + 300)),
    });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const outcomes = await settle([
      client.withdraw({ userId, amount: 30n, idempotencyKey: newKey() }),
      client.charge({ userId, amount: 1n, idempotencyKey: newKey() }),
    ]);
    expect(outcomes).toEqual(["ok", "ok"]);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 1n,
      locked: 0n,
      pending: 30n,
    });
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
  });

  it("isolates a request that makes the database fail mid-batch, and its neighbours still succeed", async () => {
    const { client, pool } = harness;
    // A database-side failure that only one request triggers, after the batch's first statements ran.
    await pool.query(`create function refuse_666() returns trigger language plpgsql as $$
      begin if new.amount = 666 then raise exception 'injected failure'; end if; return new; end $$`);
    await pool.query(
      "create trigger refuse_666 before insert on balance_locks for each row execute function refuse_666()",
    );
    try {
      const future = timestampFromDate(new Date(Date.now() + 3_600_000));
      const outcomes = await settle([
        client.charge({ userId: 30n, amount: 1n, idempotencyKey: newKey() }),
        client.charge({ userId: 31n, amount: 666n, idempotencyKey: newKey(), releaseAt: future }),
        client.charge({ userId: 32n, amount: 2n, idempotencyKey: newKey(), releaseAt: future }),
        client.charge({ userId: 30n, amount: 3n, idempotencyKey: newKey() }),
      ]);
      expect(outcomes.map((o) => (o === "ok" ? "ok" : o.codeName))).toEqual([
        "ok",
        "INTERNAL",
        "ok",
        "ok",
      ]);
      expect((await client.getBalance({ userId: 30n })).balance?.available).toBe(4n);
      expect((await client.getBalance({ userId: 31n })).balance?.total).toBe(0n);
      expect((await client.getBalance({ userId: 32n })).balance?.locked).toBe(2n);
    } finally {
      await pool.query("drop trigger refuse_666 on balance_locks");
    }
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
  });
});
