/**
 * The wallet's writes and reads against PostgreSQL. Each write is one statement (data-modifying
 * CTEs), so it is atomic without an explicit transaction and costs one round trip; the
 * constraints in schema.ts decide insufficient funds, overflow and duplicate keys, so the rules
 * hold under any concurrency and across any number of wallet instances.
 *
 * Statements are named, so PostgreSQL plans each once per connection.
 */
import type pg from "pg";
import { WalletError } from "@wallet/errors";
import type { ChargeCommand, WithdrawCommand } from "../domain/commands.js";
import { duplicateKeyError, type WriteIntent } from "../domain/idempotency.js";
import type { Balance, Transaction } from "../domain/transaction.js";
import { readBalances } from "./balance-reader.js";
import { writeCharges } from "./charge-writer.js";
import { findByKeys } from "./idempotency-lookup.js";
import { fromPgError, isUniqueViolation } from "./pg-errors.js";
import { pendingWithdrawalsCountSql } from "./withdrawal-backlog.js";
import { toTransaction, transactionColumns, type TransactionRow } from "./transaction-row.js";

// Folds the user's matured locks into available and debits in the same statement, so a lock
// whose release_at has passed is spendable whether or not any background job ran. The CHECK on
// wallets.available is what refuses an overdraft.
const withdrawSql = `
with capacity as (
  select (${pendingWithdrawalsCountSql}) < $4 as ok
), matured as (
  delete from balance_locks
  where user_id = $1 and release_at <= now() and (select ok from capacity)
  returning amount
), debit as (
  update wallets w set
    available = w.available + m.folded - $2,
    locked = w.locked - m.folded,
    pending = w.pending + $2,
    updated_at = now()
  from (select coalesce(sum(amount), 0)::bigint as folded from matured) m
  where w.user_id = $1 and (select ok from capacity)
  returning w.user_id
), tx as (
  insert into transactions (user_id, type, amount, status, idempotency_key)
  select user_id, 'withdrawal', $2, 'pending', $3 from debit
  returning *
), queued as (
  insert into outbox (transaction_id) select id from tx
)
select (select ok from capacity) as capacity_ok, tx.* from (select 1) as one left join tx on true`;

const byIdSql = `select ${transactionColumns} from transactions where id = $1`;
const pageSql = `
select ${transactionColumns} from transactions
where user_id = $1 and ($2::bigint is null or seq < $2)
order by seq desc limit $3`;

export interface LedgerStoreSettings {
  /** Unsettled withdrawals allowed across the system; past it Withdraw is refused. */
  withdrawalBacklogMax: number;
}

export interface TransactionPage {
  transactions: Transaction[];
  /** The last seq of this page when there is a next one. */
  nextAfterSeq: bigint | undefined;
}

export interface LedgerStore {
  charge(command: ChargeCommand): Promise<Transaction>;
  withdraw(command: WithdrawCommand): Promise<Transaction>;
  getBalance(userId: bigint): Promise<Balance>;
  getTransaction(id: string): Promise<Transaction>;
  listTransactions(userId: bigint, pageSize: number, beforeSeq: bigint | undefined): Promise<TransactionPage>;
}

export function createLedgerStore(pool: pg.Pool, settings: LedgerStoreSettings): LedgerStore {
  async function query<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await pool.query<R>({ name, text, values })).rows;
    } catch (err) {
      throw fromPgError(err);
    }
  }

  async function findByKey(userId: bigint, idempotencyKey: string): Promise<Transaction | undefined> {
    try {
      const [original] = (await findByKeys(pool, [{ userId, idempotencyKey }])).values();
      return original;
    } catch (err) {
      throw fromPgError(err);
    }
  }

  return {
    async charge(command) {
      const [outcome] = await writeCharges(pool, [command]).catch((err: unknown) => {
        throw fromPgError(err);
      });
      if (!outcome!.ok) throw outcome!.error;
      return outcome!.transaction;
    },

    async withdraw(command) {
      const intent: WriteIntent = { type: "withdrawal", amountMinor: command.amountMinor, releaseAt: null };
      let row: (Partial<TransactionRow> & { capacity_ok: boolean }) | undefined;
      try {
        [row] = await query<Partial<TransactionRow> & { capacity_ok: boolean }>("wallet_withdraw", withdrawSql, [
          command.userId.toString(),
          command.amountMinor.toString(),
          command.idempotencyKey,
          settings.withdrawalBacklogMax,
        ]);
      } catch (err) {
        const walletErr = fromPgError(err);
        const duplicate = isUniqueViolation(walletErr.cause, "transactions_user_idempotency_key");
        // A repeat of an earlier withdrawal is a duplicate even when the balance is now short.
        if (duplicate || walletErr.code === "INSUFFICIENT_FUNDS") {
          const original = await findByKey(command.userId, command.idempotencyKey);
          if (original) throw duplicateKeyError(original, intent);
        }
        throw walletErr;
      }
      if (row?.id) return toTransaction(row as TransactionRow);
      const original = await findByKey(command.userId, command.idempotencyKey);
      if (original) throw duplicateKeyError(original, intent);
      if (row && !row.capacity_ok) {
        throw new WalletError("WITHDRAWAL_BACKLOG_FULL", "too many withdrawals are waiting for the bank, try again later");
      }
      // No wallet row: the user was never charged.
      throw new WalletError("INSUFFICIENT_FUNDS", "insufficient available funds");
    },

    async getBalance(userId) {
      return (await readBalances(pool, [userId]))(userId);
    },

    async getTransaction(id) {
      const [row] = await query<TransactionRow>("wallet_tx_by_id", byIdSql, [id]);
      if (!row) throw new WalletError("TRANSACTION_NOT_FOUND", `no transaction with id ${id}`);
      return toTransaction(row);
    },

    async listTransactions(userId, pageSize, beforeSeq) {
      const rows = await query<TransactionRow>("wallet_tx_page", pageSql, [
        userId.toString(),
        beforeSeq?.toString() ?? null,
        pageSize + 1,
      ]);
      const transactions = rows.slice(0, pageSize).map(toTransaction);
      const hasMore = rows.length > pageSize;
      return { transactions, nextAfterSeq: hasMore ? transactions[transactions.length - 1]?.seq : undefined };
    },
  };
}
