import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { errorCodes, type ErrorCode } from "@wallet/errors";
import {
  TransactionStatus,
  TransactionType,
  encodeStatusDetails,
  type Transaction,
} from "@wallet/proto";
import { describe, expect, it } from "vitest";
import { apiErrorFromGrpc, httpMappingForGrpcStatus, isGrpcError } from "./grpc-http-status.js";
import { grpcStatusTable as statusTable } from "./testing/status-table.js";

/**
 * Every stable code the wallet can send, with the gRPC status the wallet sends it with
 * (services/wallet/src/grpc/error-status.ts) and the HTTP answer DESIGN.md §5 promises.
 */
const codeTable: Record<ErrorCode, [status, number]> = {
  INVALID_ARGUMENT: [status.INVALID_ARGUMENT, 400],
  BALANCE_OVERFLOW: [status.INVALID_ARGUMENT, 400],
  INSUFFICIENT_FUNDS: [status.FAILED_PRECONDITION, 400],
  TRANSACTION_NOT_FOUND: [status.NOT_FOUND, 404],
  DUPLICATE_REQUEST: [status.ALREADY_EXISTS, 409],
  IDEMPOTENCY_KEY_REUSED: [status.ALREADY_EXISTS, 409],
  WITHDRAWAL_BACKLOG_FULL: [status.RESOURCE_EXHAUSTED, 503],
  DEPENDENCY_UNAVAILABLE: [status.UNAVAILABLE, 503],
  INTERNAL: [status.INTERNAL, 500],
};

const original: Transaction = {
  id: "0b6f1f0e-8d5e-4d1c-9a7b-2f1f4b8e9c01",
  userId: 123n,
  type: TransactionType.TRANSACTION_TYPE_CHARGE,
  amount: 9_223_372_036_854_775_807n,
  status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
  idempotencyKey: "charge-unique-1",
  releaseAt: undefined,
  createdAt: { seconds: 1705744800n, nanos: 0 },
  updatedAt: { seconds: 1705744800n, nanos: 0 },
  bankReference: "",
  failureReason: "",
  relatedTransactionId: "",
};

function grpcError(
  code: status,
  message: string,
  detail?: { code: string; transaction?: Transaction },
  plainCode?: string,
): ServiceError {
  const metadata = new Metadata();
  if (detail)
    metadata.set(
      "grpc-status-details-bin",
      encodeStatusDetails(code, message, { field: "", ...detail }),
    );
  if (plainCode) metadata.set("wallet-error-code", plainCode);
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), {
    code,
    details: message,
    metadata,
  });
}

describe("httpMappingForGrpcStatus", () => {
  it("has a row for every gRPC status", () => {
    const numeric = Object.values(status).filter(
      (value): value is number => typeof value === "number",
    );
    expect(statusTable.map(([name]) => status[name]).sort((a, b) => a - b)).toEqual(
      numeric.sort((a, b) => a - b),
    );
  });

  it.each(statusTable)("maps %s to HTTP %i with code %s", (name, httpStatus, code) => {
    const mapping = httpMappingForGrpcStatus(status[name]);
    expect(mapping.httpStatus).toBe(httpStatus);
    expect(mapping.codes[0]).toBe(code);
  });

  it("answers an unknown future status with 500", () => {
    expect(httpMappingForGrpcStatus(99 as status).httpStatus).toBe(500);
  });
});

describe("apiErrorFromGrpc", () => {
  it("has a row for every stable error code", () => {
    expect(Object.keys(codeTable).sort()).toEqual([...errorCodes].sort());
  });

  it.each(Object.entries(codeTable))(
    "answers the wallet's %s with the HTTP status DESIGN.md promises",
    (code, [grpcStatus, httpStatus]) => {
      const err = apiErrorFromGrpc(grpcError(grpcStatus, "the wallet's message", { code }));
      expect(err.httpStatus).toBe(httpStatus);
      expect(err.code).toBe(code);
      expect(err.message).toBe(httpStatus === 500 ? "internal error" : "the wallet's message");
    },
  );

  it("never lets a business error fall through to 500", () => {
    for (const [code, [grpcStatus]] of Object.entries(codeTable)) {
      if (code === "INTERNAL") continue;
      expect(apiErrorFromGrpc(grpcError(grpcStatus, "m", { code })).httpStatus, code).not.toBe(500);
    }
  });

  it("carries the original transaction on a duplicate, with int64s as strings", () => {
    const err = apiErrorFromGrpc(
      grpcError(status.ALREADY_EXISTS, "duplicate", {
        code: "DUPLICATE_REQUEST",
        transaction: original,
      }),
    );
    expect(err.toBody()).toEqual({
      error: {
        code: "DUPLICATE_REQUEST",
        message: "duplicate",
        transaction: expect.objectContaining({
          id: original.id,
          user_id: "123",
          amount: "9223372036854775807",
          type: "charge",
        }),
      },
    });
  });

  it("falls back to the plain wallet-error-code metadata when the details are missing", () => {
    const err = apiErrorFromGrpc(
      grpcError(status.FAILED_PRECONDITION, "short", undefined, "INSUFFICIENT_FUNDS"),
    );
    expect([err.httpStatus, err.code]).toEqual([400, "INSUFFICIENT_FUNDS"]);
  });

  it("ignores a wallet code that contradicts the status", () => {
    const err = apiErrorFromGrpc(grpcError(status.INVALID_ARGUMENT, "bad", { code: "INTERNAL" }));
    expect([err.httpStatus, err.code]).toEqual([400, "INVALID_ARGUMENT"]);
    expect(apiErrorFromGrpc(grpcError(status.NOT_FOUND, "gone", { code: "NOT_A_CODE" })).code).toBe(
      "TRANSACTION_NOT_FOUND",
    );
  });

  it("hides the details of unexpected errors and of grpc-js's own failures", () => {
    const internal = apiErrorFromGrpc(grpcError(status.INTERNAL, "null pointer at db.ts:12"));
    expect(internal.toBody()).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(internal.cause).toBeDefined();
    const down = apiErrorFromGrpc(
      grpcError(
        status.UNAVAILABLE,
        "No connection established. Last error: connect ECONNREFUSED 10.0.0.7:50051",
      ),
    );
    expect(down.httpStatus).toBe(503);
    expect(down.message).not.toContain("10.0.0.7");
    expect(
      apiErrorFromGrpc(grpcError(status.DEADLINE_EXCEEDED, "Deadline exceeded after 5.001s"))
        .message,
    ).toContain("in time");
  });

  it("keeps the wallet's message when the wallet itself says it is overloaded", () => {
    const err = apiErrorFromGrpc(
      grpcError(status.RESOURCE_EXHAUSTED, "too many pending withdrawals", {
        code: "WITHDRAWAL_BACKLOG_FULL",
      }),
    );
    expect(err.toBody()).toEqual({
      error: { code: "WITHDRAWAL_BACKLOG_FULL", message: "too many pending withdrawals" },
    });
  });
});

describe("isGrpcError", () => {
  it("tells grpc-js call errors from other errors", () => {
    expect(isGrpcError(grpcError(status.INTERNAL, "x"))).toBe(true);
    expect(isGrpcError(new Error("x"))).toBe(false);
    expect(isGrpcError(Object.assign(new Error("x"), { code: 14 }))).toBe(false);
  });
});
