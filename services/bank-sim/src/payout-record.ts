/**
 * One line of the bank's ledger, and its JSON shape. The same shape is served by
 * GET /admin/payouts and written to the state file, so what a test reads is what survives a crash.
 */
import { z } from "@wallet/config";

/** What the bank decided for a reference; once decided it never changes. */
export type Decision =
  | { readonly status: "paid"; readonly bankReference: string }
  | { readonly status: "rejected"; readonly reason: string };

export interface PayoutRecord {
  readonly reference: string;
  readonly userId: string;
  readonly amountMinor: bigint;
  /** Absent while every attempt so far failed transiently or hung. */
  readonly decision: Decision | undefined;
  /** Times money actually moved for this reference; anything above 1 is a double payout. */
  readonly payCount: number;
  /** POST /payouts requests received for this reference, replays and refusals included. */
  readonly requests: number;
}

export interface PayoutRecordJson {
  reference: string;
  user_id: string;
  /** Minor units as a decimal string. */
  amount: string;
  status: "paid" | "rejected" | "undecided";
  bank_reference?: string;
  reason?: string;
  pay_count: number;
  requests: number;
}

export function recordToJson(record: PayoutRecord): PayoutRecordJson {
  const decision = record.decision;
  return {
    reference: record.reference,
    user_id: record.userId,
    amount: record.amountMinor.toString(),
    status: decision?.status ?? "undecided",
    ...(decision?.status === "paid" ? { bank_reference: decision.bankReference } : {}),
    ...(decision?.status === "rejected" ? { reason: decision.reason } : {}),
    pay_count: record.payCount,
    requests: record.requests,
  };
}

const recordJsonSchema = z.object({
  reference: z.string().min(1),
  user_id: z.string().min(1),
  amount: z.string().regex(/^[0-9]+$/),
  status: z.enum(["paid", "rejected", "undecided"]),
  bank_reference: z.string().min(1).optional(),
  reason: z.string().min(1).optional(),
  pay_count: z.number().int().min(0),
  requests: z.number().int().min(0),
});

/** Parses a stored record; throws on anything malformed, because a silently dropped payout would hide a double payment. */
export function recordFromJson(value: unknown): PayoutRecord {
  const json = recordJsonSchema.parse(value);
  let decision: Decision | undefined;
  if (json.status === "paid") {
    if (json.bank_reference === undefined)
      throw new Error(`paid payout ${json.reference} has no bank_reference`);
    decision = { status: "paid", bankReference: json.bank_reference };
  } else if (json.status === "rejected") {
    if (json.reason === undefined)
      throw new Error(`rejected payout ${json.reference} has no reason`);
    decision = { status: "rejected", reason: json.reason };
  }
  return {
    reference: json.reference,
    userId: json.user_id,
    amountMinor: BigInt(json.amount),
    decision,
    payCount: json.pay_count,
    requests: json.requests,
  };
}
