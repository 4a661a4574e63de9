import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { timestampFromDate } from "@wallet/proto";
import { WalletError } from "@wallet/errors";
import { createBalanceReader } from "./balance-reader.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
beforeAll(async () => {
  harness = await startWalletHarness({ OUTBOX_RELAY_ENABLED: "false" });
});
afterAll(() => harness?.close());

/** A real pool on the test database that counts the statements sent through it. */
function countingPool() {
  const pool = new pg.Pool({ connectionString: harness.database.url, max: 2 });
  pool.on("error", () => undefined);
  let statements = 0;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    statements++;
    return query(...args);
  };
  return { pool, statements: () => statements };
}

describe("the balance reader", () => {
  it("answers concurrent reads from few statements, each with its own user's exact balance", async () => {
    const { client } = harness;
    const soon = new Date(Date.now() + 3_600_000);
    await client.charge({ userId: 11n, amount: 100n, idempotencyKey: newKey() });
    await client.charge({ userId: 12n, amount: 50n, idempotencyKey: newKey() });
    await client.charge({
      userId: 12n,
      amount: 30n,
      idempotencyKey: newKey(),
      releaseAt: timestampFromDate(soon),
    });
    await client.withdraw({ userId: 11n, amount: 40n, idempotencyKey: newKey() });

    const { pool, statements } = countingPool();
    try {
      const reader = createBalanceReader(pool, { batchMax: 2, queueMax: 100 });
      // 11 twice, 12, an unknown user, 11 again: five reads, three distinct users.
      const users = [11n, 12n, 11n, 999n, 11n];
      const balances = await Promise.all(users.map((userId) => reader.getBalance(userId)));
      expect(
        balances.map((b) => [
          b.userId,
          b.availableMinor,
          b.lockedMinor,
          b.pendingMinor,
          b.totalMinor,
        ]),
      ).toEqual([
        [11n, 60n, 0n, 40n, 100n],
        [12n, 50n, 30n, 0n, 80n],
        [11n, 60n, 0n, 40n, 100n],
        [999n, 0n, 0n, 0n, 0n],
        [11n, 60n, 0n, 40n, 100n],
      ]);
      expect(balances[1]!.nextReleaseAt?.getTime()).toBe(soon.getTime());
      // Two distinct users per statement: {11, 12} (with the repeats of 11), then {999}.
      expect(statements()).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it("refuses reads past its queue bound as overload, and answers the rest", async () => {
    const { pool } = countingPool();
    try {
      const reader = createBalanceReader(pool, { batchMax: 10, queueMax: 2 });
      const outcomes = await Promise.allSettled(
        [11n, 12n, 13n].map((userId) => reader.getBalance(userId)),
      );
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
      expect(((outcomes[2] as PromiseRejectedResult).reason as WalletError).code).toBe(
        "DEPENDENCY_UNAVAILABLE",
      );
    } finally {
      await pool.end();
    }
  });

  it("fails every read of a batch the database dropped, then serves the next batch", async () => {
    const { pool } = countingPool();
    const reader = createBalanceReader(pool, { batchMax: 10, queueMax: 100 });
    try {
      await reader.getBalance(11n);
      await harness.database.setConnectionsAllowed(false);
      const outcomes = await Promise.allSettled(
        [11n, 12n].map((userId) => reader.getBalance(userId)),
      );
      expect(
        outcomes.map((o) => o.status === "rejected" && (o.reason as WalletError).code),
      ).toEqual(["DEPENDENCY_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE"]);
    } finally {
      await harness.database.setConnectionsAllowed(true);
    }
    try {
      expect((await reader.getBalance(12n)).availableMinor).toBe(50n);
    } finally {
      await pool.end();
    }
  });
});
