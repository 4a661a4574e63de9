/**
 * Turns driver errors into domain errors, in one place. Constraint violations that stand for a
 * business rule become that rule's error; a lost or refused connection becomes
 * DEPENDENCY_UNAVAILABLE; anything else stays unexpected.
 */
import { WalletError } from "@wallet/errors";

interface PgError {
  code?: string;
  constraint?: string;
  message?: string;
}

const unavailableSqlStates = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55000", // database not accepting connections
  "3D000", // database does not exist (dropped or not yet created)
  "55006", // object in use
]);

const unavailableNodeCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const pgErr = err as PgError;
  return pgErr?.code === "23505" && pgErr.constraint === constraint;
}

export function fromPgError(err: unknown): WalletError {
  if (err instanceof WalletError) return err;
  const pgErr = (err ?? {}) as PgError;
  const code = pgErr.code ?? "";
  if (code === "23514" && pgErr.constraint === "wallets_available_non_negative") {
    return new WalletError("INSUFFICIENT_FUNDS", "insufficient available funds", { cause: err });
  }
  if ((code === "23514" && pgErr.constraint === "wallets_total_within_int64") || code === "22003") {
    return new WalletError(
      "BALANCE_OVERFLOW",
      "amount: the balance would exceed 9223372036854775807",
      {
        field: "amount",
        cause: err,
      },
    );
  }
  const message = pgErr.message ?? "";
  if (
    unavailableSqlStates.has(code) ||
    code.startsWith("08") ||
    code.startsWith("28") || // authentication: wrong credentials are an outage, not the caller's fault
    unavailableNodeCodes.has(code) ||
    /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(
      message,
    )
  ) {
    return new WalletError("DEPENDENCY_UNAVAILABLE", "the database is unavailable, try again", {
      cause: err,
    });
  }
  return WalletError.from(err);
}
