import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { errorCodes, WalletError, type ErrorCode } from "@wallet/errors";
import { decodeStatusDetails, statusDetailsKey } from "@wallet/proto";
import { toServiceError } from "./error-status.js";

// DESIGN.md section 5, row by row. A new code without a row here fails the last test.
const table: [ErrorCode, status][] = [
  ["INVALID_ARGUMENT", status.INVALID_ARGUMENT],
  ["BALANCE_OVERFLOW", status.INVALID_ARGUMENT],
  ["INSUFFICIENT_FUNDS", status.FAILED_PRECONDITION],
  ["TRANSACTION_NOT_FOUND", status.NOT_FOUND],
  ["DUPLICATE_REQUEST", status.ALREADY_EXISTS],
  ["IDEMPOTENCY_KEY_REUSED", status.ALREADY_EXISTS],
  ["WITHDRAWAL_BACKLOG_FULL", status.RESOURCE_EXHAUSTED],
  ["DEPENDENCY_UNAVAILABLE", status.UNAVAILABLE],
  ["INTERNAL", status.INTERNAL],
];

describe("domain error → gRPC status", () => {
  it.each(table)("maps %s to %s and carries the code in the details", (code, expected) => {
    const err = toServiceError(new WalletError(code, "message for the caller"));
    expect(err.code).toBe(expected);
    const [raw] = err.metadata.get(statusDetailsKey);
    expect(decodeStatusDetails(raw as Buffer)?.code).toBe(code);
  });

  it("hides the cause of an unexpected error behind a generic message", () => {
    const err = toServiceError(WalletError.from(new Error("password=secret at db.internal")));
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).toBe("internal error");
  });

  it("covers every error code", () => {
    expect(new Set(table.map(([code]) => code))).toEqual(new Set(errorCodes));
  });
});
