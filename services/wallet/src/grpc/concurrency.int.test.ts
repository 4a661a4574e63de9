import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { timestampFromDate } from "@wallet/proto";
import { checkLedger } from "../db/ledger-check.js";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

// The relay stays off: these tests look at the wallet's own guarantees, withdrawals stay pending.
// Batched: several lanes, so batches of different users commit concurrently and interleave.
// Unbatched: every request is its own statement (the path a failed batch falls back to).
describe.each<{ path: string; env: Record<string, string> }>([
  { path: "batched", env: { WRITE_LANES: "4" } },
  { path: "one statement per request", env: { WRITE_BATCHING_ENABLED: "false" } },
])("under concurrency ($path)", ({ env }) => {
  let harness: WalletHarness;
  beforeAll(async () => {
    harness = await startWalletHarness({ OUTBOX_RELAY_ENABLED: "false", ...env });
  });
  afterAll(() => harness?.close());

  it("lets exactly 100 of 200 concurrent withdrawals of 1 through an available balance of 100", async () => {
    const { client } = harness;
    const userId = 10n;
    await client.charge({ userId, amount: 100n, idempotencyKey: newKey() });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        client.withdraw({ userId, amount: 1n, idempotencyKey: newKey() }),
      ),
    );
    const accepted = results.filter((r) => r.status === "fulfilled").length;
    const refused = results.filter((r) => r.status === "rejected");
    expect(accepted).toBe(100);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect(r.reason.code).toBe(status.FAILED_PRECONDITION);
    expect((await client.getBalance({ userId })).balance).toMatchObject({
      available: 0n,
      pending: 100n,
      total: 100n,
    });
  });

  it("applies exactly one of 50 concurrent charges with the same user and key", async () => {
    const { client } = harness;
    const userId = 11n;
    const key = newKey();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => client.charge({ userId, amount: 25n, idempotencyKey: key })),
    );
    const winners = results.filter(
      (r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof client.charge>>> =>
        r.status === "fulfilled",
    );
    expect(winners).toHaveLength(1);
    const winnerId = winners[0]!.value.transaction!.id;
    const losers = await Promise.all(
      results
        .filter((r) => r.status === "rejected")
        .map((r) => grpcError(Promise.reject(r.reason))),
    );
    expect(losers).toHaveLength(49);
    for (const loser of losers) {
      expect(loser.code).toBe(status.ALREADY_EXISTS);
      expect(loser.detail?.code).toBe("DUPLICATE_REQUEST");
      expect(loser.detail?.transaction?.id).toBe(winnerId);
    }
    expect((await client.getBalance({ userId })).balance?.available).toBe(25n);
  });

  it("walks every page while charges keep arriving, seeing each existing transaction exactly once", async () => {
    const { client } = harness;
    const userId = 12n;
    for (let i = 0; i < 57; i++)
      await client.charge({ userId, amount: BigInt(i + 1), idempotencyKey: newKey() });
    const existing = new Set(
      (
        await harness.pool.query<{ id: string }>("select id from transactions where user_id = $1", [
          userId.toString(),
        ])
      ).rows.map((r) => r.id),
    );
    let inserting = true;
    const writer = (async () => {
      while (inserting) await client.charge({ userId, amount: 1n, idempotencyKey: newKey() });
    })();
    const seen = new Map<string, number>();
    let pageToken = "";
    do {
      const page = await client.listTransactions({ userId, pageSize: 5, pageToken });
      for (const tx of page.transactions) seen.set(tx.id, (seen.get(tx.id) ?? 0) + 1);
      pageToken = page.nextPageToken;
      await client.charge({ userId, amount: 1n, idempotencyKey: newKey() });
    } while (pageToken !== "");
    inserting = false;
    await writer;
    for (const id of existing) expect(seen.get(id), id).toBe(1);
    for (const count of seen.values()) expect(count).toBe(1);
  });

  it("keeps the ledger consistent through a random mixed workload over many users", async () => {
    const { client } = harness;
    let seed = 20_251_126;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const users = Array.from({ length: 40 }, (_, i) => 1_000n + BigInt(i));
    const operations = Array.from({ length: 600 }, () => {
      const userId = users[Math.floor(random() * users.length)]!;
      const amount = BigInt(1 + Math.floor(random() * 500));
      const roll = random();
      if (roll < 0.5) return () => client.charge({ userId, amount, idempotencyKey: newKey() });
      if (roll < 0.6) {
        const releaseAt = timestampFromDate(new Date(Date.now() + Math.floor(random() * 2_000)));
        return () => client.charge({ userId, amount, idempotencyKey: newKey(), releaseAt });
      }
      if (roll < 0.9) return () => client.withdraw({ userId, amount, idempotencyKey: newKey() });
      return () => client.getBalance({ userId });
    });
    const outcomes = await Promise.allSettled(operations.map((op) => op()));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected")
        expect(outcome.reason.code).toBe(status.FAILED_PRECONDITION);
    }
    const report = await checkLedger(harness.pool);
    expect(report.violations).toEqual([]);
    expect(report.usersChecked).toBeGreaterThanOrEqual(users.length);
  });

  it("has a ledger check that catches a corrupted balance", async () => {
    const { client } = harness;
    await client.charge({ userId: 99n, amount: 10n, idempotencyKey: newKey() });
    expect((await checkLedger(harness.pool)).violations).toEqual([]);
    await harness.pool.query("update wallets set available = available + 1 where user_id = 99");
    const report = await checkLedger(harness.pool);
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]).toMatchObject({
      userId: "99",
      rule: "available + locked = charges + refunds − withdrawals",
    });
    await harness.pool.query("update wallets set available = available - 1 where user_id = 99");
  });
});
