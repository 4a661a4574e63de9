/**
 * Message payloads, JSON with ids and amounts as decimal strings (a JSON number cannot carry
 * int64 exactly). Decoding validates everything: a malformed message is a poison message, and
 * the consumer terminates it instead of retrying forever.
 */

/** wallet → settlement: pay this withdrawal. */
export interface WithdrawalRequested {
  transactionId: string;
  userId: bigint;
  amountMinor: bigint;
  /** 0 for the first request; each operator retry of a parked withdrawal adds one. */
  attempt: number;
}

export type SettlementOutcome = "completed" | "failed" | "parked";

/** settlement → wallet: what became of a withdrawal. */
export interface WithdrawalResult {
  transactionId: string;
  outcome: SettlementOutcome;
  /** completed: the bank's reference. */
  bankReference?: string;
  /** failed: the bank's reason; parked: why settlement gave up. */
  reason?: string;
  /** Bank calls made for this request message. */
  bankCalls: number;
}

export class MessageFormatError extends Error {
  override name = "MessageFormatError";
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const positiveIntPattern = /^[1-9][0-9]{0,18}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The Nats-Msg-Id of a request: the transaction id, suffixed for operator retries. */
export function requestMessageId(transactionId: string, attempt: number): string {
  return attempt === 0 ? transactionId : `${transactionId}:retry-${attempt}`;
}

/** The Nats-Msg-Id of a result; one result per request message. */
export function resultMessageId(transactionId: string, attempt: number): string {
  return `${requestMessageId(transactionId, attempt)}:result`;
}

export function encodeWithdrawalRequested(message: WithdrawalRequested): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      transaction_id: message.transactionId,
      user_id: message.userId.toString(),
      amount: message.amountMinor.toString(),
      attempt: message.attempt,
    }),
  );
}

export function decodeWithdrawalRequested(data: Uint8Array): WithdrawalRequested {
  const raw = parseObject(data);
  const transactionId = requireUuid(raw.transaction_id, "transaction_id");
  const userId = requirePositiveInt(raw.user_id, "user_id");
  const amountMinor = requirePositiveInt(raw.amount, "amount");
  const attempt = raw.attempt;
  if (
    typeof attempt !== "number" ||
    !Number.isInteger(attempt) ||
    attempt < 0 ||
    attempt > 1_000_000
  ) {
    throw new MessageFormatError("attempt must be a non-negative integer");
  }
  return { transactionId, userId, amountMinor, attempt };
}

export function encodeWithdrawalResult(message: WithdrawalResult): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      transaction_id: message.transactionId,
      outcome: message.outcome,
      bank_reference: message.bankReference,
      reason: message.reason,
      bank_calls: message.bankCalls,
    }),
  );
}

export function decodeWithdrawalResult(data: Uint8Array): WithdrawalResult {
  const raw = parseObject(data);
  const transactionId = requireUuid(raw.transaction_id, "transaction_id");
  const outcome = raw.outcome;
  if (outcome !== "completed" && outcome !== "failed" && outcome !== "parked") {
    throw new MessageFormatError("outcome must be completed, failed or parked");
  }
  const bankReference = optionalString(raw.bank_reference, "bank_reference");
  const reason = optionalString(raw.reason, "reason");
  if (outcome === "completed" && !bankReference)
    throw new MessageFormatError("a completed result needs bank_reference");
  const bankCalls =
    typeof raw.bank_calls === "number" && Number.isInteger(raw.bank_calls) ? raw.bank_calls : 0;
  return { transactionId, outcome, bankReference, reason, bankCalls };
}

function parseObject(data: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new MessageFormatError("payload is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new MessageFormatError("payload is not an object");
  return value as Record<string, unknown>;
}

function requireUuid(value: unknown, field: string): string {
  if (typeof value !== "string" || !uuidPattern.test(value))
    throw new MessageFormatError(`${field} must be a lowercase UUID`);
  return value;
}

function requirePositiveInt(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !positiveIntPattern.test(value))
    throw new MessageFormatError(`${field} must be a positive decimal string`);
  const parsed = BigInt(value);
  if (parsed > 2n ** 63n - 1n) throw new MessageFormatError(`${field} exceeds int64`);
  return parsed;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > 1_000)
    throw new MessageFormatError(`${field} must be a string of at most 1000 characters`);
  return value;
}
