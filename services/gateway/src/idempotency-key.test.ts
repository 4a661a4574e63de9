import { describe, expect, it } from "vitest";
import { resolveIdempotencyKey } from "./idempotency-key.js";

describe("resolveIdempotencyKey", () => {
  it("takes the key from the body or from the header", () => {
    expect(resolveIdempotencyKey("body-key", undefined)).toBe("body-key");
    expect(resolveIdempotencyKey(undefined, ["header-key"])).toBe("header-key");
    expect(resolveIdempotencyKey("same", ["same"])).toBe("same");
  });

  it("refuses two different keys, a repeated header and no key at all", () => {
    expect(() => resolveIdempotencyKey("a", ["b"])).toThrow(/^idempotency_key: differs/);
    expect(() => resolveIdempotencyKey("a", ["a", "a"])).toThrow(
      /^Idempotency-Key: must be sent once/,
    );
    expect(() => resolveIdempotencyKey(undefined, ["X-a", "X-b"])).toThrow(
      /^Idempotency-Key: must be sent once/,
    );
    expect(() => resolveIdempotencyKey(undefined, undefined)).toThrow(
      /^idempotency_key: is required/,
    );
    expect(() => resolveIdempotencyKey(undefined, [""])).toThrow(/^idempotency_key: is required/);
  });
});
