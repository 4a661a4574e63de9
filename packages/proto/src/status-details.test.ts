import { describe, expect, it } from "vitest";
import { Status } from "./gen/google/rpc/status.js";
import { ErrorDetail } from "./gen/wallet/v1/wallet.js";
import { decodeStatusDetails, encodeStatusDetails } from "./status-details.js";

const typeUrl = "type.googleapis.com/wallet.v1.ErrorDetail";
const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))),
  );

describe("grpc-status-details-bin", () => {
  it("encodes google.rpc.Status { code, message, details: [Any(ErrorDetail)] } byte for byte", () => {
    const expected = bytes(
      [0x08, 9], // code = 9
      [0x12, 18],
      "insufficient funds", // message
      [0x1a, 0x41], // details[0]: Any
      [0x0a, typeUrl.length],
      typeUrl,
      [0x12, 0x14],
      [0x0a, 0x12],
      "INSUFFICIENT_FUNDS", // Any.value: ErrorDetail { code }
    );
    expect(
      encodeStatusDetails(9, "insufficient funds", { code: "INSUFFICIENT_FUNDS", field: "" }),
    ).toEqual(expected);
  });

  it("decodes the ErrorDetail it encoded, the original transaction included", () => {
    const detail = ErrorDetail.fromPartial({
      code: "DUPLICATE_REQUEST",
      transaction: {
        id: "0b6f1f0e-8d5e-4d1c-9a7b-2f1f4b8e9c01",
        userId: 42n,
        amount: 9_007_199_254_740_993n,
        createdAt: { seconds: 1n, nanos: 5 },
      },
    });
    expect(decodeStatusDetails(encodeStatusDetails(6, "duplicate", detail))).toEqual(detail);
  });

  it("finds the ErrorDetail among other details, and answers undefined when there is none", () => {
    const other = {
      typeUrl: "type.googleapis.com/google.rpc.DebugInfo",
      value: Buffer.from([0x0a, 0x01, 0x78]),
    };
    const ours = Status.decode(
      encodeStatusDetails(5, "not found", { code: "TRANSACTION_NOT_FOUND", field: "" }),
    ).details;
    const both = Status.encode({
      code: 5,
      message: "not found",
      details: [other, ...ours],
    }).finish();
    expect(decodeStatusDetails(both)?.code).toBe("TRANSACTION_NOT_FOUND");
    expect(
      decodeStatusDetails(
        Status.encode({ code: 5, message: "not found", details: [other] }).finish(),
      ),
    ).toBeUndefined();
  });
});
