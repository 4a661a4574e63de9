import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.js";
import { int64Max, parsePositiveInt64 } from "./amount.js";

function refusal(value: unknown): ApiError {
  try {
    parsePositiveInt64("amount", value);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected ${String(value)} to be refused`);
}

describe("parsePositiveInt64", () => {
  it("accepts JSON integers from 1 to 2^53−1 exactly", () => {
    expect(parsePositiveInt64("amount", 1)).toBe(1n);
    expect(parsePositiveInt64("amount", 5000)).toBe(5000n);
    expect(parsePositiveInt64("amount", Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
  });

  it("accepts decimal strings up to 2^63−1 exactly", () => {
    expect(parsePositiveInt64("amount", "1")).toBe(1n);
    expect(parsePositiveInt64("amount", "9007199254740993")).toBe(9007199254740993n);
    expect(parsePositiveInt64("amount", "9223372036854775807")).toBe(int64Max);
  });

  it("refuses a JSON number above 2^53−1 instead of rounding it", () => {
    const err = refusal(2 ** 53);
    expect(err.httpStatus).toBe(400);
    expect(err.code).toBe("INVALID_ARGUMENT");
    expect(err.message).toContain("decimal string");
    expect(refusal(1e20).code).toBe("INVALID_ARGUMENT");
  });

  it("refuses zero, negatives and fractions given as numbers", () => {
    expect(refusal(0).message).toBe("amount: must be greater than 0");
    expect(refusal(-5).message).toBe("amount: must be greater than 0");
    expect(refusal(1.5).message).toBe("amount: must be an integer");
    expect(refusal(Number.NaN).message).toBe("amount: must be an integer");
    expect(refusal(Number.POSITIVE_INFINITY).message).toBe("amount: must be an integer");
  });

  it("refuses strings that are not plain positive decimal integers", () => {
    for (const value of [
      "",
      "0",
      "-1",
      "+1",
      "01",
      "1.0",
      "1e3",
      " 1",
      "1 ",
      "0x10",
      "１",
      "abc",
    ]) {
      expect(refusal(value).httpStatus, JSON.stringify(value)).toBe(400);
    }
  });

  it("refuses strings above 2^63−1, however long", () => {
    expect(refusal("9223372036854775808").message).toBe(`amount: must be at most ${int64Max}`);
    expect(refusal("9".repeat(19)).message).toBe(`amount: must be at most ${int64Max}`);
    expect(refusal("1".repeat(10_000)).message).toBe(`amount: must be at most ${int64Max}`);
  });

  it("refuses other JSON types", () => {
    for (const value of [null, undefined, true, {}, [1], 1n]) {
      expect(refusal(value).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("names the field it was given", () => {
    expect(refusal(-1).message).toMatch(/^amount:/);
    try {
      parsePositiveInt64("user_id", "x");
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).message).toMatch(/^user_id:/);
    }
  });
});
