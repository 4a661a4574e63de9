import { describe, expect, it } from "vitest";
import { parsePayoutRequest } from "./payout-request.js";

const body = { reference: "tx-1", user_id: "42", amount: "9223372036854775807" };

describe("parsePayoutRequest", () => {
  it("accepts a well-formed request and keeps the amount exact as a bigint", () => {
    expect(parsePayoutRequest("tx-1", body)).toEqual({
      ok: true,
      request: { reference: "tx-1", userId: "42", amountMinor: 9223372036854775807n },
    });
  });

  it.each([
    ["a missing key", undefined, body, "Idempotency-Key"],
    ["a key that differs from the reference", "tx-2", body, "must equal the Idempotency-Key"],
    ["a key with a slash", "a/b", { ...body, reference: "a/b" }, "Idempotency-Key"],
    ["a numeric amount", "tx-1", { ...body, amount: 100 }, "amount"],
    ["a zero amount", "tx-1", { ...body, amount: "0" }, "amount"],
    ["a negative amount", "tx-1", { ...body, amount: "-5" }, "amount"],
    ["an amount with leading zeros", "tx-1", { ...body, amount: "0100" }, "amount"],
    ["an amount above int64", "tx-1", { ...body, amount: "9223372036854775808" }, "amount"],
    ["a missing user_id", "tx-1", { reference: "tx-1", amount: "1" }, "user_id"],
    ["an array body", "tx-1", [body], "body"],
    ["a null body", "tx-1", null, "body"],
  ])("refuses %s", (_what, key, value, problem) => {
    const result = parsePayoutRequest(key, value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toContain(problem);
  });

  it("lists every problem at once", () => {
    const result = parsePayoutRequest(undefined, { reference: "", amount: "x" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(4);
  });
});
