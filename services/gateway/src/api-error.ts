/**
 * The one error type the gateway answers with. Everything thrown on a request becomes one of
 * these in the error handler; its `code` is a stable machine-readable string and its message is
 * safe to show a client.
 */
import type { ErrorCode } from "@wallet/errors";
import type { TransactionJson } from "./json-shapes.js";

/**
 * The wallet's closed set of codes, plus the few that only an HTTP edge can produce: a body over
 * the size limit, a body that is not JSON, and a path that names no route.
 */
export type ApiErrorCode = ErrorCode | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "NOT_FOUND";

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** On 409: the transaction the idempotency key first created. */
    transaction?: TransactionJson;
  };
}

/** 413: the body is over the configured limit. */
export const payloadTooLarge = (bodyLimitBytes: number, cause?: unknown) =>
  new ApiError(
    413,
    "PAYLOAD_TOO_LARGE",
    `body: must be at most ${bodyLimitBytes} bytes`,
    undefined,
    cause === undefined ? undefined : { cause },
  );

export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly transaction?: TransactionJson,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }

  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.transaction === undefined ? {} : { transaction: this.transaction }),
      },
    };
  }
}

/** A client mistake in the request itself: 400 INVALID_ARGUMENT naming the field. */
export function invalidRequest(field: string, message: string): ApiError {
  return new ApiError(400, "INVALID_ARGUMENT", `${field}: ${message}`);
}

/** The answer to anything unexpected: the cause goes to the log, never to the client. */
export function internalError(cause: unknown): ApiError {
  return new ApiError(500, "INTERNAL", "internal error", undefined, { cause });
}
