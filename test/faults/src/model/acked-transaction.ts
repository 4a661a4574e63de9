/**
 * A write the system acknowledged, in one shape whichever door it came through: a gRPC
 * Transaction, a gateway JSON transaction, or the original carried by an ALREADY_EXISTS.
 */
import { TransactionStatus, TransactionType, type Transaction } from "@wallet/proto";

export type WriteKind = "charge" | "withdrawal";
export type FinalStatus = "pending" | "completed" | "failed";

export interface AckedTransaction {
  id: string;
  userId: bigint;
  kind: WriteKind;
  amount: bigint;
  /** Epoch milliseconds of release_at, or null when available at once. */
  releaseAtMs: number | null;
  status: FinalStatus;
  /** When the wallet recorded it (database clock), epoch milliseconds with fraction. */
  createdAtMs?: number;
}

export function statusName(status: TransactionStatus): FinalStatus | undefined {
  switch (status) {
    case TransactionStatus.TRANSACTION_STATUS_PENDING:
      return "pending";
    case TransactionStatus.TRANSACTION_STATUS_COMPLETED:
      return "completed";
    case TransactionStatus.TRANSACTION_STATUS_FAILED:
      return "failed";
    default:
      return undefined;
  }
}

/** Undefined for anything that is not a charge or a withdrawal (a refund, or a malformed answer). */
export function fromWireTransaction(tx: Transaction | undefined): AckedTransaction | undefined {
  if (!tx) return undefined;
  const kind: WriteKind | undefined =
    tx.type === TransactionType.TRANSACTION_TYPE_CHARGE
      ? "charge"
      : tx.type === TransactionType.TRANSACTION_TYPE_WITHDRAWAL
        ? "withdrawal"
        : undefined;
  const status = statusName(tx.status);
  if (!kind || !status || tx.id === "") return undefined;
  const releaseAtMs = tx.releaseAt
    ? Number(tx.releaseAt.seconds) * 1000 + Math.ceil(tx.releaseAt.nanos / 1e6)
    : null;
  const createdAtMs = tx.createdAt
    ? Number(tx.createdAt.seconds) * 1000 + tx.createdAt.nanos / 1e6
    : undefined;
  return {
    id: tx.id,
    userId: tx.userId,
    kind,
    amount: tx.amount,
    releaseAtMs,
    status,
    createdAtMs,
  };
}

/** The gateway's JSON transaction: ids and amounts as decimal strings, times as RFC 3339. */
export function fromJsonTransaction(value: unknown): AckedTransaction | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const tx = value as Record<string, unknown>;
  const kind: WriteKind | undefined =
    tx.type === "charge" ? "charge" : tx.type === "withdrawal" ? "withdrawal" : undefined;
  const status =
    tx.status === "pending" || tx.status === "completed" || tx.status === "failed"
      ? tx.status
      : undefined;
  if (
    !kind ||
    !status ||
    typeof tx.id !== "string" ||
    typeof tx.user_id !== "string" ||
    typeof tx.amount !== "string"
  )
    return undefined;
  const releaseAtMs = typeof tx.release_at === "string" ? Date.parse(tx.release_at) : null;
  const createdAtMs = typeof tx.created_at === "string" ? Date.parse(tx.created_at) : undefined;
  return {
    id: tx.id,
    userId: BigInt(tx.user_id),
    kind,
    amount: BigInt(tx.amount),
    releaseAtMs,
    status,
    createdAtMs,
  };
}
