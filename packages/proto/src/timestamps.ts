/**
 * Conversions between google.protobuf.Timestamp and Date. Sub-millisecond parts are rounded up,
 * so a time derived from a request is never earlier than the one the caller sent.
 */
import type { Timestamp } from "./gen/google/protobuf/timestamp.js";

const nanosPerMs = 1_000_000;

export function timestampFromDate(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * nanosPerMs };
}

/** Milliseconds since the epoch, rounded up; undefined for nanos outside [0, 1e9). */
export function timestampToEpochMs(ts: Timestamp): bigint | undefined {
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos >= 1_000_000_000) return undefined;
  return ts.seconds * 1000n + BigInt(Math.ceil(ts.nanos / nanosPerMs));
}
