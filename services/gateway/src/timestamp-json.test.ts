import { describe, expect, it } from "vitest";
import { formatTimestamp, parseTimestamp } from "./timestamp-json.js";

describe("parseTimestamp", () => {
  it("parses the original API's example exactly", () => {
    expect(parseTimestamp("release_at", "2024-01-20T10:00:00Z")).toEqual({
      seconds: 1705744800n,
      nanos: 0,
    });
  });

  it("keeps fractions down to the nanosecond and applies offsets", () => {
    expect(parseTimestamp("release_at", "2024-01-20T10:00:00.123456789Z")).toEqual({
      seconds: 1705744800n,
      nanos: 123456789,
    });
    expect(parseTimestamp("release_at", "2024-01-20T10:00:00.5Z").nanos).toBe(500_000_000);
    expect(parseTimestamp("release_at", "2024-01-20T12:30:00+02:30")).toEqual({
      seconds: 1705744800n,
      nanos: 0,
    });
    expect(parseTimestamp("release_at", "2024-01-20T07:00:00-03:00")).toEqual({
      seconds: 1705744800n,
      nanos: 0,
    });
  });

  it("refuses what is not a real RFC 3339 instant", () => {
    for (const text of [
      "",
      "2024-01-20",
      "2024-01-20 10:00:00Z",
      "2024-01-20T10:00:00",
      "2024-02-30T10:00:00Z",
      "2024-13-01T10:00:00Z",
      "2024-01-20T24:00:00Z",
      "2024-01-20T10:00:60Z",
      "2024-01-20T10:00:00.1234567890Z",
      "2024-01-20T10:00:00+24:00",
      "tomorrow",
    ]) {
      expect(() => parseTimestamp("release_at", text), text).toThrow(
        /^release_at: must be an RFC 3339 date-time/,
      );
    }
  });
});

describe("formatTimestamp", () => {
  it("writes UTC with milliseconds, and null when absent", () => {
    expect(formatTimestamp({ seconds: 1705744800n, nanos: 123_999_999 })).toBe(
      "2024-01-20T10:00:00.123Z",
    );
    expect(formatTimestamp(undefined)).toBeNull();
  });
});
