/**
 * The invariant check of DESIGN.md section 2, over the whole database: for every user the balance
 * parts equal what the user's transactions add up to, no part is negative, locks match their
 * charges, and every failed withdrawal was refunded exactly once. Read-only; runs in one
 * REPEATABLE READ snapshot so concurrent writes cannot make a consistent ledger look broken.
 */
import type pg from "pg";

export interface LedgerViolation {
  userId: string | null;
  rule: string;
  detail: string;
}

export interface LedgerReport {
  usersChecked: number;
  transactionsChecked: number;
  /** Money held in all wallets (available + locked + pending), minor units. */
  walletTotalMinor: bigint;
  chargedMinor: bigint;
  paidOutMinor: bigint;
  violations: LedgerViolation[];
}

// One row per user that has a wallet or a transaction, with both sides of every equation.
const perUserSql = `
with tx as (
  select user_id,
    coalesce(sum(amount) filter (where type = 'charge'), 0) as charged,
    coalesce(sum(amount) filter (where type = 'refund'), 0) as refunded,
    coalesce(sum(amount) filter (where type = 'withdrawal'), 0) as withdrawn,
    coalesce(sum(amount) filter (where type = 'withdrawal' and status = 'pending'), 0) as pending,
    count(*) as n
  from transactions group by user_id
), locks as (
  select user_id, coalesce(sum(amount), 0) as locked from balance_locks group by user_id
)
select coalesce(w.user_id, tx.user_id)::text as user_id,
  w.user_id is not null as has_wallet,
  coalesce(w.available, 0)::text as available, coalesce(w.locked, 0)::text as locked, coalesce(w.pending, 0)::text as pending,
  coalesce(tx.charged, 0)::text as charged, coalesce(tx.refunded, 0)::text as refunded,
  coalesce(tx.withdrawn, 0)::text as withdrawn, coalesce(tx.pending, 0)::text as tx_pending,
  coalesce(locks.locked, 0)::text as lock_rows, coalesce(tx.n, 0)::int as n
from wallets w
full join tx on tx.user_id = w.user_id
left join locks on locks.user_id = coalesce(w.user_id, tx.user_id)`;

// Rules about single rows and their links, each returning offending rows.
const linkRules: { rule: string; sql: string }[] = [
  {
    rule: "lock matches its charge",
    sql: `select l.user_id::text, 'lock ' || l.transaction_id || ' does not match its charge' as detail
          from balance_locks l left join transactions t on t.id = l.transaction_id
          where t.id is null or t.type <> 'charge' or t.user_id <> l.user_id or t.amount <> l.amount or t.release_at <> l.release_at`,
  },
  {
    rule: "failed withdrawal refunded exactly once",
    sql: `select w.user_id::text, 'withdrawal ' || w.id || ' is failed with ' || count(r.id) || ' refunds' as detail
          from transactions w left join transactions r on r.type = 'refund' and r.related_transaction_id = w.id
          where w.type = 'withdrawal' and w.status = 'failed'
          group by w.id, w.user_id having count(r.id) <> 1`,
  },
  {
    rule: "refund matches a failed withdrawal",
    sql: `select r.user_id::text, 'refund ' || r.id || ' does not match a failed withdrawal' as detail
          from transactions r left join transactions w on w.id = r.related_transaction_id
          where r.type = 'refund' and (w.id is null or w.type <> 'withdrawal' or w.status <> 'failed'
            or w.user_id <> r.user_id or w.amount <> r.amount)`,
  },
  {
    rule: "completed withdrawal has a bank reference",
    sql: `select user_id::text, 'withdrawal ' || id || ' is completed without a bank reference' as detail
          from transactions where type = 'withdrawal' and status = 'completed' and coalesce(bank_reference, '') = ''`,
  },
];

export async function checkLedger(pool: pg.Pool): Promise<LedgerReport> {
  const client = await pool.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const users = (
      await client.query<{
        user_id: string;
        has_wallet: boolean;
        available: string;
        locked: string;
        pending: string;
        charged: string;
        refunded: string;
        withdrawn: string;
        tx_pending: string;
        lock_rows: string;
        n: number;
      }>(perUserSql)
    ).rows;
    const violations: LedgerViolation[] = [];
    let walletTotalMinor = 0n;
    let chargedMinor = 0n;
    let refundedMinor = 0n;
    let withdrawnMinor = 0n;
    let pendingMinor = 0n;
    let transactionsChecked = 0;
    for (const row of users) {
      const available = BigInt(row.available);
      const locked = BigInt(row.locked);
      const pending = BigInt(row.pending);
      const charged = BigInt(row.charged);
      const refunded = BigInt(row.refunded);
      const withdrawn = BigInt(row.withdrawn);
      const add = (rule: string, detail: string) =>
        violations.push({ userId: row.user_id, rule, detail });
      transactionsChecked += row.n;
      walletTotalMinor += available + locked + pending;
      chargedMinor += charged;
      refundedMinor += refunded;
      withdrawnMinor += withdrawn;
      pendingMinor += pending;
      if (!row.has_wallet) add("wallet exists", `user has ${row.n} transactions but no wallet row`);
      if (available < 0n || locked < 0n || pending < 0n) {
        add("no negative part", `available=${available} locked=${locked} pending=${pending}`);
      }
      if (pending !== BigInt(row.tx_pending)) {
        add(
          "pending = pending withdrawals",
          `pending=${pending} but pending withdrawals add up to ${row.tx_pending}`,
        );
      }
      if (available + locked !== charged + refunded - withdrawn) {
        add(
          "available + locked = charges + refunds − withdrawals",
          `available+locked=${available + locked} but charges ${charged} + refunds ${refunded} − withdrawals ${withdrawn} = ${charged + refunded - withdrawn}`,
        );
      }
      if (locked !== BigInt(row.lock_rows))
        add("locked = lock rows", `locked=${locked} but lock rows add up to ${row.lock_rows}`);
    }
    for (const { rule, sql } of linkRules) {
      for (const row of (await client.query<{ user_id: string; detail: string }>(sql)).rows) {
        violations.push({ userId: row.user_id, rule, detail: row.detail });
      }
    }
    await client.query("commit");
    // Money that left the system is what was withdrawn and not refunded nor still pending.
    const paidOutMinor = withdrawnMinor - refundedMinor - pendingMinor;
    return {
      usersChecked: users.length,
      transactionsChecked,
      walletTotalMinor,
      chargedMinor,
      paidOutMinor,
      violations,
    };
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
