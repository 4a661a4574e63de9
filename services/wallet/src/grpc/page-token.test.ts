import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "./page-token.js";

describe("page tokens", () => {
  it("round-trip a seq", () => {
    expect(decodePageToken(encodePageToken(42n))).toBe(42n);
    expect(decodePageToken(encodePageToken(2n ** 63n - 1n))).toBe(2n ** 63n - 1n);
  });

  it("treat the empty token as the first page", () => {
    expect(decodePageToken("")).toBeUndefined();
  });

  it.each([
    "garbage!",
    "djE6",
    Buffer.from("v1:0").toString("base64url"),
    Buffer.from("v1:9223372036854775808").toString("base64url"),
    "a".repeat(100),
  ])("refuse %s", (token) => {
    expect(() => decodePageToken(token)).toThrow(/page_token/);
  });
});
