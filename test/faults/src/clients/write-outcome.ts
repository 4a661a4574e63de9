/**
 * What one answer means for money. A payments client sorts every answer into four bins:
 * acknowledged (it happened), duplicate (it had already happened: the original rides along),
 * refused (it did not happen and will not), and unknown (it may or may not have happened: retry
 * with the same key to find out). Transport failures and 5xx are unknown, never refused.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails, statusDetailsKey, type ErrorDetail } from "@wallet/proto";
import {
  fromJsonTransaction,
  fromWireTransaction,
  type AckedTransaction,
} from "../model/acked-transaction.js";

export type WriteOutcome =
  | { kind: "acked"; tx: AckedTransaction }
  | { kind: "duplicate"; original: AckedTransaction | undefined; code: string }
  | { kind: "refused"; code: string }
  | { kind: "unknown"; code: string; internal: boolean; message: string };

/** gRPC codes that promise the request changed nothing. */
const refusingCodes = new Set<status>([
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.OUT_OF_RANGE,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.UNIMPLEMENTED,
]);

/** Codes that mean the server failed unexpectedly: never acceptable from the wallet. */
export const internalCodes = new Set<status>([status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]);

export function grpcCodeName(code: number): string {
  return status[code] ?? `CODE_${code}`;
}

export function errorDetailOf(err: ServiceError): ErrorDetail | undefined {
  const [bytes] = err.metadata?.get(statusDetailsKey) ?? [];
  if (!(bytes instanceof Buffer)) return undefined;
  try {
    return decodeStatusDetails(bytes);
  } catch {
    return undefined;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { code?: unknown }).code === "number" &&
    "details" in err
  );
}

export function grpcErrorOutcome(err: unknown): WriteOutcome {
  if (!isServiceError(err)) {
    return {
      kind: "unknown",
      code: "CLIENT_ERROR",
      internal: false,
      message: err instanceof Error ? err.message : String(err),
    };
  }
  const detail = errorDetailOf(err);
  const code = detail?.code || grpcCodeName(err.code);
  if (err.code === status.ALREADY_EXISTS)
    return { kind: "duplicate", original: fromWireTransaction(detail?.transaction), code };
  if (refusingCodes.has(err.code)) return { kind: "refused", code };
  return {
    kind: "unknown",
    code: grpcCodeName(err.code),
    internal: internalCodes.has(err.code),
    message: err.details,
  };
}

/** The gateway's answer to POST /charge or /withdraw; `body` is the parsed JSON or undefined. */
export function httpOutcome(statusCode: number, body: unknown): WriteOutcome {
  const error = (body as { error?: { code?: unknown; transaction?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${statusCode}`;
  if (statusCode === 200 || statusCode === 201 || statusCode === 202) {
    const tx = fromJsonTransaction((body as { transaction?: unknown } | undefined)?.transaction);
    return tx
      ? { kind: "acked", tx }
      : {
          kind: "unknown",
          code: "MALFORMED_SUCCESS",
          internal: true,
          message: JSON.stringify(body),
        };
  }
  if (statusCode === 409)
    return { kind: "duplicate", original: fromJsonTransaction(error?.transaction), code };
  if (statusCode === 503 && code === "WITHDRAWAL_BACKLOG_FULL") return { kind: "refused", code };
  if (statusCode >= 400 && statusCode < 500) return { kind: "refused", code };
  return {
    kind: "unknown",
    code,
    internal: statusCode === 500 || (statusCode > 503 && statusCode !== 504),
    message: JSON.stringify(body),
  };
}
