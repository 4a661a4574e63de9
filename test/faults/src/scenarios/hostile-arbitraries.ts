/**
 * fast-check generators of hostile values for the wallet.v1 fields: boundary, overflow and random
 * int64s, keys that are empty, exactly at or past the limit, unicode, control characters, or
 * megabytes long, and timestamps at the epoch, in year 9999, negative, or with nanos out of range.
 *
 * Keys are generated as a shape and made concrete at send time with a unique prefix where the
 * shape allows it, so that two generated requests do not collide by accident; the fixed-shape
 * keys (empty, exactly 255 characters) do collide, on purpose, and must then get ALREADY_EXISTS.
 */
import fc from "fast-check";
import type { Timestamp } from "@wallet/proto";

export const int64Min = -(2n ** 63n);
export const int64Max = 2n ** 63n - 1n;

/** A few users the hostile writes keep coming back to, so valid ones build up balances. */
export const hostileUsers = [41_000_001n, 41_000_002n, 41_000_003n, int64Max] as const;

export const int64 = fc.oneof(
  fc.constantFrom(
    0n,
    -1n,
    1n,
    int64Max,
    int64Min,
    int64Max - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 62n,
    2n ** 31n,
    2n ** 32n,
  ),
  fc.bigInt({ min: int64Min, max: int64Max }),
  fc.bigInt({ min: 1n, max: 1_000n }),
);

export const userId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileUsers) },
  { weight: 2, arbitrary: int64 },
);

export const amount = int64;

export type KeyShape =
  | { kind: "unique"; suffix: string }
  | { kind: "fixed"; value: string }
  | { kind: "long"; length: number; char: string };

export const keyShape: fc.Arbitrary<KeyShape> = fc.oneof(
  fc.record({
    kind: fc.constant("unique" as const),
    suffix: fc.string({ unit: "grapheme", maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("unique" as const),
    suffix: fc.string({ unit: "binary", maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("fixed" as const),
    value: fc.constantFrom(
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\n",
      "\u007f",
      "\u200b",
      "\ud800",
      "'; drop table transactions; --",
      "x".repeat(255),
      "é".repeat(255),
      "😀".repeat(128),
      "x".repeat(256),
    ),
  }),
  fc.record({
    kind: fc.constant("long" as const),
    length: fc.constantFrom(254, 255, 256, 1_000, 70_000, 200_000),
    char: fc.constantFrom("k", "ü", "😀"),
  }),
);

/** The concrete key: unique shapes get the run's unique prefix, so they never collide by accident. */
export function materializeKey(shape: KeyShape, unique: string): string {
  switch (shape.kind) {
    case "unique":
      return `${unique}${shape.suffix}`;
    case "fixed":
      return shape.value;
    case "long":
      return `${unique}${shape.char.repeat(shape.length)}`;
  }
}

export type TimestampShape =
  | { kind: "absent" }
  | { kind: "absolute"; value: Timestamp }
  | { kind: "from-now"; offsetMs: number };

export const releaseAt: fc.Arbitrary<TimestampShape> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "absent" as const }) },
  fc.record({
    kind: fc.constant("absolute" as const),
    value: fc.constantFrom<Timestamp>(
      { seconds: 0n, nanos: 0 },
      { seconds: 253_402_300_799n, nanos: 999_999_999 },
      { seconds: -1n, nanos: 0 },
      { seconds: -62_135_596_800n, nanos: 0 },
      { seconds: int64Max, nanos: 0 },
      { seconds: int64Min, nanos: 0 },
      { seconds: 0n, nanos: -1 },
      { seconds: 0n, nanos: 1_000_000_000 },
      { seconds: 1_700_000_000n, nanos: 2_147_483_647 },
    ),
  }),
  fc.record({
    kind: fc.constant("absolute" as const),
    value: fc.record({ seconds: int64, nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  }),
  fc.record({
    kind: fc.constant("from-now" as const),
    offsetMs: fc.integer({ min: -86_400_000, max: 86_400_000 * 4_000 }),
  }),
);

export function materializeTimestamp(shape: TimestampShape, nowMs: number): Timestamp | undefined {
  switch (shape.kind) {
    case "absent":
      return undefined;
    case "absolute":
      return shape.value;
    case "from-now": {
      const ms = nowMs + shape.offsetMs;
      const seconds = Math.floor(ms / 1000);
      return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
    }
  }
}

/** Transaction ids: UUIDs that exist nowhere, in any case, and things that are not UUIDs at all. */
export const transactionId = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.constantFrom(
    "",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "' or 1=1 --",
    "\u0000",
    "😀".repeat(40),
  ),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.constantFrom(36, 1_000, 70_000).map((n) => "a".repeat(n)),
);

export const pageSize = fc.oneof(
  fc.constantFrom(0, 1, 100, 101, -1, 2 ** 31 - 1, -(2 ** 31)),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

export const pageToken = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.base64String({ maxLength: 80 }),
  fc.constantFrom("AAAAAAAAAAA", "-1", "eyJzZXEiOi0xfQ", "_".repeat(10_000)),
);

/** How many characters (code points) a key has: the unit the database's length() counts. */
export function codePoints(value: string): number {
  return Array.from(value).length;
}
