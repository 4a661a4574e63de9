/**
 * Reads of the transactions table: one transaction by id, and a user's history newest first, by
 * keyset (seq), so rows inserted meanwhile never shift what a walk sees. Statements are named, so
 * PostgreSQL plans each once per connection.
 */
import type pg from "pg";
import { WalletError } from "@wallet/errors";
import type { Transaction } from "../domain/transaction.js";
import { namedStatement } from "./named-statement.js";
import { fromPgError } from "./pg-errors.js";
import { toTransaction, transactionColumns, type TransactionRow } from "./transaction-row.js";

const statements = {
  byId: namedStatement(
    "wallet_tx_by_id",
    ["id"],
    (p) => `select ${transactionColumns} from transactions where id = ${p("id")}`,
  ),
  page: namedStatement(
    "wallet_tx_page",
    ["userId", "beforeSeq", "limit"],
    (p) => `
    select ${transactionColumns} from transactions
    where user_id = ${p("userId")} and (${p("beforeSeq")}::bigint is null or seq < ${p("beforeSeq")})
    order by seq desc limit ${p("limit")}`,
  ),
};

export interface TransactionPage {
  transactions: Transaction[];
  /** The last seq of this page when there is a next one. */
  nextAfterSeq: bigint | undefined;
}

export interface TransactionReader {
  getTransaction(id: string): Promise<Transaction>;
  listTransactions(
    userId: bigint,
    pageSize: number,
    beforeSeq: bigint | undefined,
  ): Promise<TransactionPage>;
}

export function createTransactionReader(pool: pg.Pool): TransactionReader {
  async function rowsOf(config: pg.QueryConfig<unknown[]>): Promise<TransactionRow[]> {
    try {
      return (await pool.query<TransactionRow>(config)).rows;
    } catch (err) {
      throw fromPgError(err);
    }
  }

  return {
    async getTransaction(id) {
      const [row] = await rowsOf(statements.byId.bind({ id }));
      if (!row) throw new WalletError("TRANSACTION_NOT_FOUND", `no transaction with id ${id}`);
      return toTransaction(row);
    },

    async listTransactions(userId, pageSize, beforeSeq) {
      const rows = await rowsOf(
        statements.page.bind({
          userId: userId.toString(),
          beforeSeq: beforeSeq?.toString() ?? null,
          limit: pageSize + 1,
        }),
      );
      const transactions = rows.slice(0, pageSize).map(toTransaction);
      const hasMore = rows.length > pageSize;
      return {
        transactions,
        nextAfterSeq: hasMore ? transactions[transactions.length - 1]?.seq : undefined,
      };
    },
  };
}
