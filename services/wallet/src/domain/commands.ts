/**
 * Validated requests. The gRPC layer decodes the wire, these functions check every rule the
 * contract sets on input, and the storage layer only ever sees commands that passed.
 */
import { invalidArgument } from "@wallet/errors";
import { requirePositiveAmount } from "./money.js";

export const idempotencyKeyMaxLength = 255;
export const pageSizeDefault = 20;
export const pageSizeMax = 100;

export interface ChargeCommand {
  userId: bigint;
  amountMinor: bigint;
  idempotencyKey: string;
  /** Milliseconds precision; absent means available at once. */
  releaseAt: Date | null;
}

export interface WithdrawCommand {
  userId: bigint;
  amountMinor: bigint;
  idempotencyKey: string;
}

/** A write the ledger decides: the unit the write batcher queues and the batch plan judges. */
export type WriteRequest =
  { kind: "charge"; command: ChargeCommand } | { kind: "withdraw"; command: WithdrawCommand };

export interface ChargeInput {
  userId: bigint;
  amount: bigint;
  idempotencyKey: string;
  /** Epoch milliseconds, or undefined when absent. null means the timestamp was malformed. */
  releaseAtEpochMs: bigint | null | undefined;
}

export interface ValidationLimits {
  /** How far in the future a release time may be; beyond it the timestamp is absurd. */
  releaseHorizonMs: number;
}

export function requireUserId(userId: bigint, field = "user_id"): bigint {
  if (userId <= 0n) throw invalidArgument(field, "must be a positive integer");
  return userId;
}

export function requireIdempotencyKey(key: string, field = "idempotency_key"): string {
  if (key.length === 0) throw invalidArgument(field, "is required");
  if (key.length > idempotencyKeyMaxLength)
    throw invalidArgument(field, `must be at most ${idempotencyKeyMaxLength} characters`);
  // Control characters make keys unreadable in logs and are never meant.
  if (/\p{Cc}/u.test(key)) throw invalidArgument(field, "must not contain control characters");
  return key;
}

export function validateCharge(
  input: ChargeInput,
  limits: ValidationLimits,
  now: Date,
): ChargeCommand {
  const userId = requireUserId(input.userId);
  const amountMinor = requirePositiveAmount("amount", input.amount);
  const idempotencyKey = requireIdempotencyKey(input.idempotencyKey);
  let releaseAt: Date | null = null;
  if (input.releaseAtEpochMs === null)
    throw invalidArgument("release_at", "is not a valid timestamp");
  if (input.releaseAtEpochMs !== undefined) {
    const ms = input.releaseAtEpochMs;
    if (ms < 0n) throw invalidArgument("release_at", "must not be before 1970-01-01T00:00:00Z");
    if (ms > BigInt(now.getTime() + limits.releaseHorizonMs)) {
      throw invalidArgument(
        "release_at",
        `must be at most ${Math.round(limits.releaseHorizonMs / 86_400_000)} days ahead`,
      );
    }
    releaseAt = new Date(Number(ms));
  }
  return { userId, amountMinor, idempotencyKey, releaseAt };
}

export function validateWithdraw(input: {
  userId: bigint;
  amount: bigint;
  idempotencyKey: string;
}): WithdrawCommand {
  return {
    userId: requireUserId(input.userId),
    amountMinor: requirePositiveAmount("amount", input.amount),
    idempotencyKey: requireIdempotencyKey(input.idempotencyKey),
  };
}

/** 0 means the default; anything else must be within 1..pageSizeMax. */
export function validatePageSize(pageSize: number): number {
  if (pageSize === 0) return pageSizeDefault;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > pageSizeMax) {
    throw invalidArgument("page_size", `must be between 1 and ${pageSizeMax}`);
  }
  return pageSize;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireTransactionId(id: string, field = "id"): string {
  if (id.length === 0) throw invalidArgument(field, "is required");
  if (!uuidPattern.test(id)) throw invalidArgument(field, "must be a UUID");
  return id.toLowerCase();
}
