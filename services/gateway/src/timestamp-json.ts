/**
 * RFC 3339 timestamps ↔ google.protobuf.Timestamp, exactly. Parsing keeps nanoseconds (a Date
 * would drop everything below the millisecond); formatting writes UTC with milliseconds, the
 * wallet's own precision.
 */
import type { Timestamp } from "@wallet/proto";
import { invalidRequest } from "./api-error.js";

const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 date-time such as 2024-01-20T10:00:00Z; throws a 400 ApiError naming `field`. */
export function parseTimestamp(field: string, text: string): Timestamp {
  const match = rfc3339.exec(text);
  const bad = () =>
    invalidRequest(field, "must be an RFC 3339 date-time such as 2024-01-20T10:00:00Z");
  if (!match) throw bad();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-30 over to March; a round trip catches impossible dates and times.
  const check = new Date(epochMs);
  if (
    year < 1 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw bad();
  }
  let offsetSeconds = 0;
  if (match[9] !== undefined) {
    const offsetHours = Number(match[10]);
    const offsetMinutes = Number(match[11]);
    if (offsetHours > 23 || offsetMinutes > 59) throw bad();
    offsetSeconds = (match[9] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const nanos = match[7] === undefined ? 0 : Number(match[7].padEnd(9, "0"));
  return { seconds: BigInt(epochMs / 1000 - offsetSeconds), nanos };
}

/** UTC ISO 8601 with milliseconds, or null when absent. */
export function formatTimestamp(ts: Timestamp | undefined): string | null {
  if (ts === undefined) return null;
  const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  return new Date(ms).toISOString();
}
