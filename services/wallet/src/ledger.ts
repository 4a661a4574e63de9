/**
 * The ledger as the gRPC handlers see it: the port they call, declared here beside them, and the
 * one place that composes it from the write batcher, the balance reader, the transaction reader
 * and the outbox relay's fast path. app.ts only wires the parts in.
 */
import type { ChargeCommand, WithdrawCommand } from "./domain/commands.js";
import type { Balance, Transaction } from "./domain/transaction.js";
import type { TransactionReader } from "./db/transaction-reader.js";
import type { WriteBatcher } from "./db/write-batcher.js";

/** The reads of history are the transaction reader's; the ledger adds the writes and balances. */
export interface Ledger extends TransactionReader {
  charge(command: ChargeCommand): Promise<Transaction>;
  /** Answers once the pending withdrawal is committed; settlement follows asynchronously. */
  withdraw(command: WithdrawCommand): Promise<Transaction>;
  getBalance(userId: bigint): Promise<Balance>;
}

export interface LedgerParts {
  writes: WriteBatcher;
  balances: { getBalance(userId: bigint): Promise<Balance> };
  transactions: TransactionReader;
  /** Told of every committed withdrawal, so the relay publishes it at once: no polling, no claim. */
  withdrawalCommitted?: (withdrawal: Transaction) => void;
}

export function createLedger(parts: LedgerParts): Ledger {
  return {
    charge: (command) => parts.writes.charge(command),
    async withdraw(command) {
      const withdrawal = await parts.writes.withdraw(command);
      parts.withdrawalCommitted?.(withdrawal);
      return withdrawal;
    },
    getBalance: (userId) => parts.balances.getBalance(userId),
    getTransaction: (id) => parts.transactions.getTransaction(id),
    listTransactions: (userId, pageSize, beforeSeq) =>
      parts.transactions.listTransactions(userId, pageSize, beforeSeq),
  };
}
