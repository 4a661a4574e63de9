/**
 * Stable, machine-readable error codes shared by every service and client edge. The wallet maps
 * each to a gRPC status in one place; the gateway maps gRPC status to HTTP in one place. A code
 * here never changes meaning once released.
 */
export const errorCodes = [
  /** A request field is missing, malformed or out of range. */
  "INVALID_ARGUMENT",
  /** The charge would take the balance past 2^63−1 minor units. */
  "BALANCE_OVERFLOW",
  /** The withdrawal is larger than the available balance. */
  "INSUFFICIENT_FUNDS",
  /** No transaction has that id. */
  "TRANSACTION_NOT_FOUND",
  /** The same user and idempotency key were already used for this very request. */
  "DUPLICATE_REQUEST",
  /** The same user and idempotency key were already used for a different request. */
  "IDEMPOTENCY_KEY_REUSED",
  /** Too many withdrawals are waiting for the bank; try again later. */
  "WITHDRAWAL_BACKLOG_FULL",
  /** A dependency (PostgreSQL, NATS, the wallet) is unreachable or timed out. */
  "DEPENDENCY_UNAVAILABLE",
  /** Anything unexpected; details are only in the server log. */
  "INTERNAL",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export function isErrorCode(value: string): value is ErrorCode {
  return (errorCodes as readonly string[]).includes(value);
}

export interface WalletErrorOptions<D> {
  /** The request field at fault, for INVALID_ARGUMENT. */
  field?: string;
  /** Data the caller needs to act, such as the original transaction of a duplicate. */
  details?: D;
  cause?: unknown;
}

/** The one error type the domain throws for expected outcomes. */
export class WalletError<D = unknown> extends Error {
  readonly field: string | undefined;
  readonly details: D | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: WalletErrorOptions<D> = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WalletError";
    this.field = options.field;
    this.details = options.details;
  }

  /** Wraps anything thrown: a WalletError passes through, anything else becomes INTERNAL. */
  static from(err: unknown): WalletError {
    if (err instanceof WalletError) return err;
    return new WalletError("INTERNAL", "internal error", { cause: err });
  }
}

export function invalidArgument(field: string, message: string): WalletError {
  return new WalletError("INVALID_ARGUMENT", `${field}: ${message}`, { field });
}
