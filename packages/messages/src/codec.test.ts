import { describe, expect, it } from "vitest";
import {
  decodeWithdrawalRequested,
  decodeWithdrawalResult,
  encodeWithdrawalRequested,
  encodeWithdrawalResult,
  MessageFormatError,
  requestMessageId,
} from "./codec.js";

const id = "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f";

describe("message codecs", () => {
  it("round-trips a request with an int64 amount exactly", () => {
    const message = {
      transactionId: id,
      userId: 2n ** 62n,
      amountMinor: 2n ** 63n - 1n,
      attempt: 0,
    };
    expect(decodeWithdrawalRequested(encodeWithdrawalRequested(message))).toEqual(message);
  });

  it("round-trips a completed result", () => {
    const message = {
      transactionId: id,
      outcome: "completed" as const,
      bankReference: "B-1",
      reason: undefined,
      bankCalls: 2,
    };
    expect(decodeWithdrawalResult(encodeWithdrawalResult(message))).toEqual(message);
  });

  it("refuses malformed payloads as poison", () => {
    const bad = (text: string) => () => decodeWithdrawalRequested(new TextEncoder().encode(text));
    expect(bad("not json")).toThrow(MessageFormatError);
    expect(
      bad(JSON.stringify({ transaction_id: id, user_id: "1", amount: 5, attempt: 0 })),
    ).toThrow(/amount/);
    expect(
      bad(
        JSON.stringify({
          transaction_id: id,
          user_id: "1",
          amount: "9223372036854775808",
          attempt: 0,
        }),
      ),
    ).toThrow(/int64/);
    expect(() =>
      decodeWithdrawalResult(
        new TextEncoder().encode(JSON.stringify({ transaction_id: id, outcome: "completed" })),
      ),
    ).toThrow(/bank_reference/);
  });

  it("gives operator retries their own message id, so dedup does not drop them", () => {
    expect(requestMessageId(id, 0)).toBe(id);
    expect(requestMessageId(id, 1)).not.toBe(id);
  });
});
