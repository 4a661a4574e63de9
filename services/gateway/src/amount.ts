/**
 * Exact int64 values from JSON and query strings. Money and ids are int64 on the wire; JSON
 * numbers are doubles, exact only up to 2^53−1, so a larger value must arrive as a decimal string
 * and a larger JSON number is refused rather than silently rounded.
 */
import { invalidRequest } from "./api-error.js";

export const int64Max = 2n ** 63n - 1n;

/** The largest integer a JSON number carries exactly: 2^53−1. */
export const jsonIntegerMax = Number.MAX_SAFE_INTEGER;

const decimalPattern = /^[1-9][0-9]*$/;

/** What a positive int64 field accepts, for error messages and API descriptions. */
export const positiveInt64Description = `a positive integer: a JSON number up to ${jsonIntegerMax}, or a decimal string (digits only) up to ${int64Max}`;

/**
 * Parses a value in 1..2^63−1 given as a JSON integer or a decimal string, exactly.
 * Throws a 400 ApiError naming `field` for anything else.
 */
export function parsePositiveInt64(field: string, value: unknown): bigint {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw invalidRequest(field, "must be an integer");
    if (!Number.isSafeInteger(value)) {
      throw invalidRequest(
        field,
        `JSON numbers above ${jsonIntegerMax} are not exact; send the value as a decimal string`,
      );
    }
    if (value < 1) throw invalidRequest(field, "must be greater than 0");
    return BigInt(value);
  }
  if (typeof value === "string") {
    if (value === "0") throw invalidRequest(field, "must be greater than 0");
    if (!decimalPattern.test(value))
      throw invalidRequest(field, `must be ${positiveInt64Description}`);
    // Length first, so an absurdly long string is refused without building a huge bigint.
    if (value.length > 19 || BigInt(value) > int64Max)
      throw invalidRequest(field, `must be at most ${int64Max}`);
    return BigInt(value);
  }
  throw invalidRequest(field, `must be ${positiveInt64Description}`);
}
