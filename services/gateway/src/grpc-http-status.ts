/**
 * The one mapping from a wallet gRPC error to the gateway's HTTP answer. The HTTP status comes
 * from the gRPC status alone (one switch, covered row by row by a table test); the body's code
 * comes from the wallet's ErrorDetail when it is one the status allows, so a client can tell
 * INSUFFICIENT_FUNDS from BALANCE_OVERFLOW without the gateway guessing.
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { isErrorCode, type ErrorCode } from "@wallet/errors";
import {
  decodeStatusDetails,
  errorCodeKey,
  statusDetailsKey,
  type ErrorDetail,
} from "@wallet/proto";
import { ApiError } from "./api-error.js";
import { transactionJson } from "./response-json.js";

export interface HttpMapping {
  httpStatus: number;
  /** The codes a body may carry for this status; the first is used when the wallet sent none. */
  codes: readonly [ErrorCode, ...ErrorCode[]];
}

/** The one switch from gRPC status to HTTP status. Anything not listed is unexpected: 500. */
export function httpMappingForGrpcStatus(grpcStatus: status): HttpMapping {
  switch (grpcStatus) {
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return { httpStatus: 400, codes: ["INVALID_ARGUMENT", "BALANCE_OVERFLOW"] };
    case status.FAILED_PRECONDITION:
      return {
        httpStatus: 400,
        codes: ["INVALID_ARGUMENT", "INSUFFICIENT_FUNDS", "BALANCE_OVERFLOW"],
      };
    case status.NOT_FOUND:
      return { httpStatus: 404, codes: ["TRANSACTION_NOT_FOUND"] };
    case status.ALREADY_EXISTS:
      return { httpStatus: 409, codes: ["DUPLICATE_REQUEST", "IDEMPOTENCY_KEY_REUSED"] };
    case status.RESOURCE_EXHAUSTED:
      return { httpStatus: 503, codes: ["DEPENDENCY_UNAVAILABLE", "WITHDRAWAL_BACKLOG_FULL"] };
    // The wallet or its database is down, slow, or cut the call while shutting down.
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      return { httpStatus: 503, codes: ["DEPENDENCY_UNAVAILABLE"] };
    default:
      return { httpStatus: 500, codes: ["INTERNAL"] };
  }
}

/** A grpc-js call error: a numeric status and trailers. */
export function isGrpcError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === "number" &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** Turns a failed wallet call into the HTTP answer; the cause stays attached for the log. */
export function apiErrorFromGrpc(err: ServiceError): ApiError {
  const mapping = httpMappingForGrpcStatus(err.code);
  const detail = errorDetailOf(err.metadata);
  const walletCode = detail?.code || stringValue(err.metadata.get(errorCodeKey)[0]);
  const code =
    walletCode !== undefined && isErrorCode(walletCode) && mapping.codes.includes(walletCode)
      ? walletCode
      : mapping.codes[0];
  const fromWallet = walletCode !== undefined && code === walletCode;
  if (mapping.httpStatus === 500)
    return new ApiError(500, "INTERNAL", "internal error", undefined, { cause: err });
  const transaction =
    mapping.httpStatus === 409 && detail?.transaction
      ? transactionJson(detail.transaction)
      : undefined;
  return new ApiError(
    mapping.httpStatus,
    code,
    messageFor(err, mapping.httpStatus, fromWallet),
    transaction,
    { cause: err },
  );
}

/**
 * Client errors carry the wallet's own message, written for callers. A 503 that grpc-js made up
 * itself (no wallet code) says so in general terms instead of echoing addresses and socket errors.
 */
function messageFor(err: ServiceError, httpStatus: number, fromWallet: boolean): string {
  if (httpStatus < 500 && err.details) return err.details;
  if (fromWallet && err.details) return err.details;
  if (err.code === status.DEADLINE_EXCEEDED)
    return "the wallet service did not answer in time; try again later";
  return "the wallet service is unavailable; try again later";
}

function errorDetailOf(metadata: Metadata): ErrorDetail | undefined {
  const [bytes] = metadata.get(statusDetailsKey);
  if (!Buffer.isBuffer(bytes)) return undefined;
  try {
    return decodeStatusDetails(bytes);
  } catch {
    return undefined;
  }
}

function stringValue(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
