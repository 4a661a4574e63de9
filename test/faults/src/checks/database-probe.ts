/**
 * Direct, read-only looks at the suite's database for what the API cannot tell: whether any
 * withdrawal is still waiting for the bank, which users exist at all, and a fingerprint of the
 * whole ledger that a refused request must leave unchanged.
 */
import pg from "pg";

/**
 * What no refused request may change, and what background settlement cannot change either:
 * completing a withdrawal only touches `pending`, folding a matured lock moves money from locked
 * to available, and a refund adds to available exactly what its own transaction adds up to, so
 * refunds are left out on both sides. Read in one statement, so in one snapshot.
 */
export interface LedgerFingerprint {
  /** Charges and withdrawals. */
  transactions: string;
  wallets: string;
  /** Σ(available + locked) over all wallets, less Σ refunds. */
  spendable: string;
  /** Σ amount over charges and withdrawals. */
  amounts: string;
}

export interface DatabaseProbe {
  /** Withdrawals still pending and not parked for an operator. */
  unsettledWithdrawals(): Promise<number>;
  /** Pending withdrawals of any kind: what the wallet's backlog bound counts. */
  pendingWithdrawals(): Promise<number>;
  parkedWithdrawals(): Promise<number>;
  /** Outbox rows not yet published to JetStream. */
  outboxBacklog(): Promise<number>;
  walletUserIds(): Promise<bigint[]>;
  fingerprint(): Promise<LedgerFingerprint>;
  /** For the given keys, each (user, key) that has more than one transaction. */
  keysUsedMoreThanOnce(keys: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export function createDatabaseProbe(databaseUrl: string): DatabaseProbe {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 3,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 2_000,
  });
  // The outage scenario stops the server under idle connections; their errors must not crash the suite.
  pool.on("error", () => undefined);
  const count = async (sql: string) =>
    Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  return {
    unsettledWithdrawals: () =>
      count(
        "select count(*) as n from transactions where type = 'withdrawal' and status = 'pending' and parked_at is null",
      ),
    pendingWithdrawals: () =>
      count(
        "select count(*) as n from transactions where type = 'withdrawal' and status = 'pending'",
      ),
    parkedWithdrawals: () =>
      count(
        "select count(*) as n from transactions where type = 'withdrawal' and status = 'pending' and parked_at is not null",
      ),
    outboxBacklog: () => count("select count(*) as n from outbox"),
    async walletUserIds() {
      return (await pool.query<{ user_id: string }>("select user_id::text from wallets")).rows.map(
        (row) => BigInt(row.user_id),
      );
    },
    async fingerprint() {
      const { rows } = await pool.query<LedgerFingerprint>(
        `select (select count(*) from transactions where type <> 'refund')::text as transactions,
                (select count(*) from wallets)::text as wallets,
                ((select coalesce(sum(available::numeric + locked::numeric), 0) from wallets)
                  - (select coalesce(sum(amount::numeric), 0) from transactions where type = 'refund'))::text as spendable,
                (select coalesce(sum(amount::numeric), 0) from transactions where type <> 'refund')::text as amounts`,
      );
      return rows[0]!;
    },
    async keysUsedMoreThanOnce(keys) {
      const { rows } = await pool.query<{ user_id: string; idempotency_key: string; n: number }>(
        "select user_id::text, idempotency_key, count(*)::int as n from transactions where idempotency_key = any($1::text[]) group by 1, 2 having count(*) > 1",
        [[...keys]],
      );
      return rows.map(
        (row) => `user ${row.user_id} key ${row.idempotency_key}: ${row.n} transactions`,
      );
    },
    close: () => pool.end(),
  };
}
