/**
 * What a repeated idempotency key means. The database decides which request was first (a unique
 * index on user and key); this decides how the later one is answered.
 */
import { WalletError } from "@wallet/errors";
import type { ChargeCommand, WriteRequest } from "./commands.js";
import type { Transaction, TransactionType } from "./transaction.js";

export interface WriteIntent {
  type: TransactionType;
  amountMinor: bigint;
  releaseAt: Date | null;
}

/** What a write asks for, to compare with the transaction that used its key first. */
export function writeIntent(request: WriteRequest): WriteIntent {
  return request.kind === "charge"
    ? chargeIntent(request.command)
    : { type: "withdrawal", amountMinor: request.command.amountMinor, releaseAt: null };
}

export function chargeIntent(command: ChargeCommand): WriteIntent {
  return { type: "charge", amountMinor: command.amountMinor, releaseAt: command.releaseAt };
}

/** Always an ALREADY_EXISTS-class error carrying the original; the code says if the payload matched. */
export function duplicateKeyError(
  original: Transaction,
  intent: WriteIntent,
): WalletError<Transaction> {
  const samePayload =
    original.type === intent.type &&
    original.amountMinor === intent.amountMinor &&
    (original.releaseAt?.getTime() ?? null) === (intent.releaseAt?.getTime() ?? null);
  return samePayload
    ? new WalletError(
        "DUPLICATE_REQUEST",
        "this idempotency key was already used for this request",
        { details: original },
      )
    : new WalletError(
        "IDEMPOTENCY_KEY_REUSED",
        `this idempotency key was already used for a different request (${original.type} of ${original.amountMinor})`,
        { details: original },
      );
}
