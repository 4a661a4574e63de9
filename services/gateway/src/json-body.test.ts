import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.js";
import { findInexactNumber, parseJsonBody } from "./json-body.js";

function refusal(text: string): ApiError {
  try {
    parseJsonBody(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("parseJsonBody", () => {
  it("parses ordinary bodies, keeping big values given as strings untouched", () => {
    expect(parseJsonBody('{"user_id": 123, "amount": 5000, "idempotency_key": "k"}')).toEqual({
      user_id: 123,
      amount: 5000,
      idempotency_key: "k",
    });
    expect(parseJsonBody('{"amount": "9007199254740993"}')).toEqual({ amount: "9007199254740993" });
    expect(parseJsonBody('{"amount": 9007199254740991}')).toEqual({ amount: 9007199254740991 });
  });

  it("refuses 2^53+1 as a JSON number instead of rounding it to 2^53", () => {
    const err = refusal('{"user_id": 1, "amount": 9007199254740993}');
    expect(err.httpStatus).toBe(400);
    expect(err.code).toBe("INVALID_ARGUMENT");
    expect(err.message).toMatch(/^amount: JSON numbers above 9007199254740991/);
    expect(refusal('{"amount": 9007199254740992}').message).toMatch(/^amount:/);
    expect(refusal('{"user_id": -9007199254740993, "amount": 1}').message).toMatch(/^user_id:/);
  });

  it("refuses fractions and exponents, even ones JSON.parse would make integral", () => {
    expect(refusal('{"amount": 10.5}').message).toBe(
      "amount: numbers must be integers written in plain digits",
    );
    expect(refusal('{"amount": 1.0000000000000001}').message).toMatch(/^amount:/);
    expect(refusal('{"amount": 1e3}').message).toMatch(/^amount:/);
    expect(refusal('{"amount": 5000.0}').message).toMatch(/^amount:/);
  });

  it("answers 400, not 500, for empty and broken bodies", () => {
    expect(refusal("").httpStatus).toBe(400);
    expect(refusal("  \n").message).toBe("body: a JSON object is required");
    expect(refusal('{"amount": ').message).toBe("body: is not valid JSON");
    expect(refusal("{'amount': 1}").httpStatus).toBe(400);
    expect(refusal('{"amount": 01}').httpStatus).toBe(400);
  });
});

describe("findInexactNumber", () => {
  it("is not fooled by digits inside strings, escaped quotes or keys", () => {
    expect(findInexactNumber('{"k": "9007199254740993", "n": 1}')).toBeUndefined();
    expect(findInexactNumber('{"a\\"9007199254740993": "x\\\\", "b": 2}')).toBeUndefined();
    expect(findInexactNumber('{"99999999999999999999": 1}')).toBeUndefined();
  });

  it("names the key of a nested or array value", () => {
    expect(findInexactNumber('{"a": {"b": [1, 2.5]}}')).toEqual({ field: "b", literal: "2.5" });
    expect(findInexactNumber("[9007199254740993]")).toEqual({
      field: "body",
      literal: "9007199254740993",
    });
  });
});
