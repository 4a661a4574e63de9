/**
 * The one mapping from domain error codes to gRPC status. Every error leaves with a stable code
 * in a wallet.v1.ErrorDetail (and, for a duplicate, the original transaction); unexpected errors
 * leave as a generic INTERNAL, their cause only in the log.
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { encodeStatusDetails, errorCodeKey, statusDetailsKey } from "@wallet/proto";
import { WalletError, type ErrorCode } from "@wallet/errors";
import type { Transaction } from "../domain/transaction.js";
import { toWireTransaction } from "./convert.js";

export const grpcStatusByCode: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  BALANCE_OVERFLOW: status.INVALID_ARGUMENT,
  INSUFFICIENT_FUNDS: status.FAILED_PRECONDITION,
  TRANSACTION_NOT_FOUND: status.NOT_FOUND,
  DUPLICATE_REQUEST: status.ALREADY_EXISTS,
  IDEMPOTENCY_KEY_REUSED: status.ALREADY_EXISTS,
  WITHDRAWAL_BACKLOG_FULL: status.RESOURCE_EXHAUSTED,
  DEPENDENCY_UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
};

export function toServiceError(err: WalletError): ServiceError {
  const code = grpcStatusByCode[err.code];
  const message = err.code === "INTERNAL" ? "internal error" : err.message;
  const transaction = isTransaction(err.details) ? toWireTransaction(err.details) : undefined;
  const metadata = new Metadata();
  metadata.set(errorCodeKey, err.code);
  metadata.set(
    statusDetailsKey,
    encodeStatusDetails(code, message, { code: err.code, field: err.field ?? "", transaction }),
  );
  return Object.assign(new Error(message), { code, details: message, metadata });
}

function isTransaction(value: unknown): value is Transaction {
  return typeof value === "object" && value !== null && "id" in value && "amountMinor" in value;
}

export { WalletError };
