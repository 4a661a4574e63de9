/**
 * The wallet's tables. Every promise the code makes about money is also a constraint here, so a
 * bug in the code fails a statement instead of corrupting a balance:
 * - no balance part is ever negative, and their sum fits in int64;
 * - an idempotency key is unique per user;
 * - types and statuses are from closed sets, and a withdrawal is refunded at most once.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () =>
  timestamp("created_at", { withTimezone: true, precision: 6 }).notNull().defaultNow();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true, precision: 6 }).notNull().defaultNow();

/**
 * One row per user. `locked` holds charges whose release time had not passed when they were
 * recorded; the matured part of it is folded into `available` lazily, so reads compute the split
 * from `balance_locks` at the instant of the read.
 */
export const wallets = pgTable(
  "wallets",
  {
    userId: bigint("user_id", { mode: "bigint" }).primaryKey(),
    available: bigint("available", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    locked: bigint("locked", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    pending: bigint("pending", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("wallets_user_id_positive", sql`${t.userId} > 0`),
    check("wallets_available_non_negative", sql`${t.available} >= 0`),
    check("wallets_locked_non_negative", sql`${t.locked} >= 0`),
    check("wallets_pending_non_negative", sql`${t.pending} >= 0`),
    // numeric, so the sum itself cannot overflow while it is checked.
    check(
      "wallets_total_within_int64",
      sql`${t.available}::numeric + ${t.locked}::numeric + ${t.pending}::numeric <= 9223372036854775807`,
    ),
  ],
);

export const transactionTypes = ["charge", "withdrawal", "refund"] as const;
export const transactionStatuses = ["pending", "completed", "failed"] as const;
export type TransactionTypeName = (typeof transactionTypes)[number];
export type TransactionStatusName = (typeof transactionStatuses)[number];

export const transactions = pgTable(
  "transactions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Insertion order; the keyset for stable pagination. */
    seq: bigint("seq", { mode: "bigint" }).notNull().generatedAlwaysAsIdentity(),
    userId: bigint("user_id", { mode: "bigint" }).notNull(),
    type: text("type", { enum: transactionTypes }).notNull(),
    amount: bigint("amount", { mode: "bigint" }).notNull(),
    status: text("status", { enum: transactionStatuses }).notNull(),
    idempotencyKey: text("idempotency_key"),
    releaseAt: timestamp("release_at", { withTimezone: true, precision: 3 }),
    bankReference: text("bank_reference"),
    failureReason: text("failure_reason"),
    /** A refund points at its withdrawal. */
    relatedTransactionId: uuid("related_transaction_id"),
    /** Settlement gave up on this withdrawal; it stays pending until an operator retries it. */
    parkedAt: timestamp("parked_at", { withTimezone: true, precision: 6 }),
    parkedReason: text("parked_reason"),
    /** Settlement requests sent for this withdrawal after the first: one per operator retry. */
    settlementRetries: integer("settlement_retries").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("transactions_user_idempotency_key").on(t.userId, t.idempotencyKey),
    uniqueIndex("transactions_user_seq").on(t.userId, t.seq),
    // At most one refund per withdrawal: a duplicate failure result cannot refund twice.
    uniqueIndex("transactions_one_refund_per_withdrawal")
      .on(t.relatedTransactionId)
      .where(sql`${t.type} = 'refund'`),
    index("transactions_parked_withdrawals")
      .on(t.parkedAt)
      .where(sql`${t.parkedAt} is not null`),
    index("transactions_pending_withdrawals")
      .on(t.createdAt)
      .where(sql`${t.type} = 'withdrawal' and ${t.status} = 'pending'`),
    foreignKey({
      columns: [t.relatedTransactionId],
      foreignColumns: [t.id],
      name: "transactions_related_fk",
    }),
    check("transactions_user_id_positive", sql`${t.userId} > 0`),
    check("transactions_amount_positive", sql`${t.amount} > 0`),
    check("transactions_type_valid", sql`${t.type} in ('charge', 'withdrawal', 'refund')`),
    check("transactions_status_valid", sql`${t.status} in ('pending', 'completed', 'failed')`),
    // Charges and refunds are final when written; only withdrawals move through statuses.
    check(
      "transactions_status_fits_type",
      sql`${t.type} = 'withdrawal' or ${t.status} = 'completed'`,
    ),
    check(
      "transactions_idempotency_key_valid",
      sql`(${t.type} = 'refund' and ${t.idempotencyKey} is null) or (${t.type} <> 'refund' and length(${t.idempotencyKey}) between 1 and 255)`,
    ),
    check(
      "transactions_refund_has_withdrawal",
      sql`${t.type} <> 'refund' or ${t.relatedTransactionId} is not null`,
    ),
    check("transactions_settlement_retries_non_negative", sql`${t.settlementRetries} >= 0`),
    check(
      "transactions_release_only_on_charge",
      sql`${t.releaseAt} is null or ${t.type} = 'charge'`,
    ),
  ],
);

/** Charges still locked when recorded. A row leaves this table when folded into `available`. */
export const balanceLocks = pgTable(
  "balance_locks",
  {
    transactionId: uuid("transaction_id")
      .primaryKey()
      .references(() => transactions.id),
    userId: bigint("user_id", { mode: "bigint" }).notNull(),
    amount: bigint("amount", { mode: "bigint" }).notNull(),
    releaseAt: timestamp("release_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    index("balance_locks_user_release").on(t.userId, t.releaseAt),
    check("balance_locks_amount_positive", sql`${t.amount} > 0`),
  ],
);

/**
 * Withdrawals waiting to be published to JetStream. Written in the same commit as the debit;
 * deleted once JetStream acknowledged the publish.
 */
export const outbox = pgTable(
  "outbox",
  {
    transactionId: uuid("transaction_id")
      .notNull()
      .references(() => transactions.id),
    /** 0 for the first request; an operator retry of a parked withdrawal adds one. */
    attempt: integer("attempt").notNull().default(0),
    createdAt: createdAt(),
    publishAttempts: integer("publish_attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [
    primaryKey({ columns: [t.transactionId, t.attempt] }),
    index("outbox_created_at").on(t.createdAt),
  ],
);
