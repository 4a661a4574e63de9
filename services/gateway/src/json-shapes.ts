/**
 * The JSON shapes the gateway answers with; response-json.ts builds them. Types only, with no
 * imports, because the error body carries a transaction too: api-error.ts importing them from the
 * converters would close a circle through timestamp-json.ts, which throws ApiErrors.
 */
export interface TransactionJson {
  id: string;
  user_id: string;
  type: "charge" | "withdrawal" | "refund";
  amount: string;
  status: "pending" | "completed" | "failed";
  idempotency_key: string | null;
  release_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  bank_reference: string | null;
  failure_reason: string | null;
  related_transaction_id: string | null;
}

export interface BalanceJson {
  user_id: string;
  available: string;
  locked: string;
  pending: string;
  total: string;
  next_release_at: string | null;
  as_of: string | null;
}
