/** The domain view of a ledger entry, independent of the wire and of the database driver. */
export type TransactionType = "charge" | "withdrawal" | "refund";
export type TransactionStatus = "pending" | "completed" | "failed";

export interface Transaction {
  id: string;
  /** Insertion order; the pagination keyset. */
  seq: bigint;
  userId: bigint;
  type: TransactionType;
  amountMinor: bigint;
  status: TransactionStatus;
  idempotencyKey: string | null;
  releaseAt: Date | null;
  bankReference: string | null;
  failureReason: string | null;
  relatedTransactionId: string | null;
  parkedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The split balance of one user at one instant. */
export interface Balance {
  userId: bigint;
  availableMinor: bigint;
  lockedMinor: bigint;
  pendingMinor: bigint;
  totalMinor: bigint;
  nextReleaseAt: Date | null;
  asOf: Date;
}
