/**
 * fast-check generators of hostile HTTP requests for the gateway, each with what the suite can
 * say for sure about it: whether it is certainly invalid (then it must never be accepted), and
 * for a write that is certainly valid, the write it stands for (to reconcile it if the answer is
 * unknown). JSON bodies are assembled from literal text, so numbers JSON.stringify would never
 * write (2^53+1, 1e400, -0) reach the wire as they are.
 */
import fc from "fast-check";
import type { WriteRequest } from "../clients/wallet-driver.js";
import {
  codePoints,
  int64Max,
  keyShape,
  materializeKey,
  type KeyShape,
} from "./hostile-arbitraries.js";

export interface HttpCase {
  method: string;
  path: string;
  /** A flat [name, value, ...] list, so a header can repeat. */
  headers: string[];
  body?: string;
  /** Certainly against the API contract: a 2xx would be a violation. */
  invalid: boolean;
  /** A valid write this request stands for, when the suite can tell. */
  write?: WriteRequest;
  describe: string;
}

/** Literal JSON for an int64 field, from the fine to the absurd. */
const int64Literal = fc.oneof(
  fc.constantFrom(
    "1",
    "0",
    "-1",
    "1.5",
    "1.0",
    "1e3",
    "1E400",
    "-0",
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "18446744073709551616",
    '"1"',
    '"0"',
    '"-1"',
    '"01"',
    '"+1"',
    '" 1"',
    '"1 "',
    '"9223372036854775807"',
    '"9223372036854775808"',
    '"99999999999999999999999999"',
    '"1e3"',
    '"0x10"',
    '"\u0661\u0662"',
    "true",
    "null",
    "[]",
    "{}",
    "[1]",
    '"abc"',
    '""',
    '"\\u0031"',
  ),
  fc.bigInt({ min: 1n, max: 5_000n }).map((n) => n.toString()),
  fc.bigInt({ min: 1n, max: 5_000n }).map((n) => `"${n}"`),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => n.toString()),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => `"${n}"`),
);

/** The value an int64 field literal stands for if the API must accept it, else undefined. */
export function int64LiteralValue(text: string): bigint | undefined {
  if (/^[1-9][0-9]*$/.test(text))
    return BigInt(text) <= BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(text) : undefined;
  if (!text.startsWith('"')) return undefined;
  // A JSON string is judged by what it decodes to: "\u0031" is the string "1".
  const decoded = JSON.parse(text) as string;
  if (/^[1-9][0-9]{0,18}$/.test(decoded) && BigInt(decoded) <= int64Max) return BigInt(decoded);
  return undefined;
}

const timestampLiteral = fc.oneof(
  fc.constantFrom(
    '"1970-01-01T00:00:00Z"',
    '"9999-12-31T23:59:59.999999999Z"',
    '"0000-01-01T00:00:00Z"',
    '"-000001-01-01T00:00:00Z"',
    '"+275760-09-13T00:00:00Z"',
    '"2024-02-30T00:00:00Z"',
    '"2016-12-31T23:59:60Z"',
    '"2030-01-01T00:00:00+25:00"',
    '"not a date"',
    '""',
    "0",
    "-1",
    "null",
    "1700000000",
    '"1970-01-01"',
    '"2030-01-01T00:00:00.123456789123Z"',
    '"2030-01-01 00:00:00"',
    "{}",
  ),
  fc
    .integer({ min: -86_400_000, max: 86_400_000 * 400 })
    .map((offsetMs) => `"${new Date(Date.now() + offsetMs).toISOString()}"`),
);

type KeyLiteral =
  { kind: "string"; shape: KeyShape } | { kind: "other"; text: string } | { kind: "absent" };
const keyLiteral: fc.Arbitrary<KeyLiteral> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("string" as const), shape: keyShape }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("string" as const),
      shape: fc.constant<KeyShape>({ kind: "unique", suffix: "" }),
    }),
  },
  fc.record({
    kind: fc.constant("other" as const),
    text: fc.constantFrom("123", "null", "true", "[]", '{"k":1}'),
  }),
  fc.record({ kind: fc.constant("absent" as const) }),
);

type HeaderKey = "none" | "same" | "different" | "repeated" | "utf8-bytes" | "too-long";
const headerKey = fc.oneof(
  { weight: 6, arbitrary: fc.constant<HeaderKey>("none") },
  fc.constantFrom<HeaderKey>("same", "different", "repeated", "utf8-bytes", "too-long"),
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "application/json; charset=latin1",
    "application/vnd.api+json",
    "application/json, text/html",
    "APPLICATION/JSON",
    "application/jsonx",
  ),
);

/** Content types no JSON endpoint may take as JSON. */
const notJson = new Set([
  "",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
]);

/** encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the raw bytes of U+FFFD. */
function encodePathPart(value: string): string {
  return Array.from(value)
    .map((char) =>
      char.length === 1 && /[\ud800-\udfff]/.test(char) ? "%EF%BF%BD" : encodeURIComponent(char),
    )
    .join("");
}

const isValidKey = (key: string) =>
  key.length > 0 && codePoints(key) <= 255 && !/\p{Cc}/u.test(key);

/** POST /charge or /withdraw with a body that is valid JSON but hostile in its values. */
const hostileWrite = fc.record({
  route: fc.constantFrom("/charge", "/withdraw"),
  userId: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('"41000001"', "41000002", '"9223372036854775807"') },
    int64Literal,
  ),
  // Plenty of plain amounts, so a good share of writes is valid and takes effect.
  amount: fc.oneof(
    {
      weight: 2,
      arbitrary: fc
        .bigInt({ min: 1n, max: 5_000n })
        .map((n) => (n % 2n === 0n ? `"${n}"` : n.toString())),
    },
    int64Literal,
  ),
  key: keyLiteral,
  headerKey,
  releaseAt: fc.option(timestampLiteral, { nil: undefined, freq: 2 }),
  extraField: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    fc.constantFrom('"currency":"EUR"', '"__proto__":{"amount":"5"}', '"constructor":{}'),
  ),
  contentType,
});

/** Bodies that are not what they claim: broken, huge, or nested past reason. */
const brokenBody = fc.record({
  route: fc.constantFrom("/charge", "/withdraw"),
  body: fc.oneof(
    fc.constantFrom(
      "{",
      '{"user_id":',
      "nul",
      '{"user_id":1,"amount":2,}',
      "{'user_id':1}",
      "[]",
      '"string"',
      "123",
      "null",
      "",
      " ",
      "\u0000",
    ),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc
      .constantFrom(16 * 1024 + 1, 100_000, 2_000_000)
      .map((n) => `{"user_id":"1","amount":"1","idempotency_key":"${"k".repeat(n)}"}`),
    fc
      .constantFrom(100, 1_000, 5_000, 7_000)
      .map(
        (depth) =>
          `{"user_id":${"[".repeat(depth)}1${"]".repeat(depth)},"amount":"1","idempotency_key":"k"}`,
      ),
    fc.constantFrom(1_000, 5_000).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
    fc.constantFrom(100_000).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  ),
  contentType,
});

/** Valid JSON that bends the rules: a repeated field, a lone surrogate in the key. Never 5xx; 2xx allowed. */
const oddBody = fc.record({
  route: fc.constantFrom("/charge", "/withdraw"),
  body: fc.constantFrom(
    '{"user_id":"41000003","amount":"1","idempotency_key":"dup-field","amount":"2"}',
    // RFC 8259 lets a parser ignore a byte order mark, so accepting this is allowed.
    '\ufeff{"user_id":"41000003","amount":"1","idempotency_key":"bom"}',
    '{"user_id":"41000003","amount":"1","idempotency_key":"lone-\\ud800"}',
    '{"user_id":"41000003","amount":"1","idempotency_key":"\\u00e9t\\u00e9"}',
  ),
});

/** Query strings with arrays, objects, blanks and overflow where scalars belong. */
const userIdQuery = fc.oneof(
  fc.constantFrom(
    "user_id=41000001",
    "user_id[]=1",
    "user_id=1&user_id=2",
    "user_id[a]=1",
    "user_id=",
    "user_id=-1",
    "user_id=0",
    "user_id=1.5",
    "user_id=1e3",
    "user_id=%00",
    "user_id=9223372036854775807",
    "user_id=9223372036854775808",
    "user_id=%EF%BC%91",
    "user_id=%D9%A1",
    "user_id=%201",
    "user_id=%2B1",
    "user_id=0x1",
    "user_id",
    "",
    "user_id=1&extra=1",
    "user_id=99999999999999999999999999999",
  ),
  fc.string({ unit: "binary", maxLength: 30 }).map((s) => `user_id=${encodePathPart(s)}`),
);

const pagingQuery = fc.constantFrom(
  "",
  "&page=1",
  "&page=0",
  "&page=-1",
  "&page=1e3",
  "&page=1.5",
  "&page=1&page=2",
  "&page[]=1",
  "&page=99999999999999999999",
  "&page=100000",
  "&page=abc",
  "&page=",
  "&limit=101",
  "&limit=0",
  "&limit[]=5",
  "&limit=1&limit=2",
  "&limit=%00",
  "&limit=20&page=1000",
);

const readCase = fc.oneof(
  fc.record({ kind: fc.constant("balance" as const), query: userIdQuery }),
  fc.record({ kind: fc.constant("list" as const), query: userIdQuery, paging: pagingQuery }),
  fc.record({
    kind: fc.constant("one" as const),
    segment: fc.oneof(
      fc.uuid(),
      fc.constantFrom(
        "..%2F..%2Fadmin",
        "%",
        "%zz",
        "%00",
        "a".repeat(20_000),
        "",
        "00000000-0000-0000-0000-000000000000%00",
      ),
      fc.string({ unit: "binary", maxLength: 60 }).map(encodePathPart),
    ),
  }),
  fc.record({
    kind: fc.constant("odd" as const),
    method: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "GET", "POST", "TRACE"),
    path: fc.constantFrom(
      "/charge",
      "/withdraw",
      "/balance?user_id=1",
      "/transactions",
      "/admin",
      "/charge/../balance",
      "//charge",
      "/CHARGE",
      "/health",
    ),
  }),
);

/** Every hostile HTTP request shape, to be made concrete with `materialize`. */
export const httpCaseShape = fc.oneof(
  { weight: 4, arbitrary: hostileWrite.map((c) => ({ kind: "write" as const, c })) },
  { weight: 2, arbitrary: brokenBody.map((c) => ({ kind: "broken" as const, c })) },
  oddBody.map((c) => ({ kind: "odd-body" as const, c })),
  { weight: 3, arbitrary: readCase.map((c) => ({ kind: "read" as const, c })) },
);
export type HttpCaseShape = typeof httpCaseShape extends fc.Arbitrary<infer T> ? T : never;

/** Makes a shape concrete: unique keys get the run's prefix here, at send time. */
export function materialize(shape: HttpCaseShape, unique: string): HttpCase {
  switch (shape.kind) {
    case "write":
      return materializeWrite(shape.c, unique);
    case "broken": {
      const headers = shape.c.contentType === "" ? [] : ["content-type", shape.c.contentType];
      return {
        method: "POST",
        path: shape.c.route,
        headers,
        body: shape.c.body,
        invalid: true,
        describe: `POST ${shape.c.route} broken body`,
      };
    }
    case "odd-body":
      return {
        method: "POST",
        path: shape.c.route,
        headers: ["content-type", "application/json"],
        body: shape.c.body,
        invalid: false,
        describe: `POST ${shape.c.route} odd body`,
      };
    case "read":
      return materializeRead(shape.c);
  }
}

function materializeWrite(c: HostileWriteShape, unique: string): HttpCase {
  const bodyKey = c.key.kind === "string" ? materializeKey(c.key.shape, unique) : undefined;
  const fields = [`"user_id":${c.userId}`, `"amount":${c.amount}`];
  if (c.key.kind === "string") fields.push(`"idempotency_key":${JSON.stringify(bodyKey)}`);
  if (c.key.kind === "other") fields.push(`"idempotency_key":${c.key.text}`);
  // On /withdraw release_at is an unknown field, which must be refused like any other.
  if (c.releaseAt !== undefined) fields.push(`"release_at":${c.releaseAt}`);
  if (c.extraField !== undefined) fields.push(c.extraField);
  const body = `{${fields.join(",")}}`;

  const headers: string[] = c.contentType === "" ? [] : ["content-type", c.contentType];
  let headerValue: string | undefined;
  switch (c.headerKey) {
    case "none":
      break;
    case "same":
      headerValue = bodyKey ?? `${unique}h`;
      break;
    case "different":
      headerValue = `${unique}other`;
      break;
    case "repeated":
      headers.push("idempotency-key", `${unique}a`);
      headerValue = `${unique}b`;
      break;
    case "utf8-bytes":
      // Node only sends latin1 header text; these are the UTF-8 bytes of "schlüssel-ключ".
      headerValue = Buffer.from(`${unique}schlüssel-ключ`, "utf8").toString("latin1");
      break;
    case "too-long":
      headerValue = `${unique}${"h".repeat(300)}`;
      break;
  }
  if (headerValue !== undefined) headers.push("idempotency-key", headerValue);

  const userId = int64LiteralValue(c.userId);
  const amount = int64LiteralValue(c.amount);
  // The key the gateway must use, when the request's keys are consistent; undefined otherwise.
  let key: string | undefined;
  let keysInvalid = c.key.kind === "other" || (bodyKey !== undefined && !isValidKey(bodyKey));
  if (c.headerKey === "repeated" || c.headerKey === "too-long") keysInvalid = true;
  if (headerValue !== undefined && bodyKey !== undefined && headerValue !== bodyKey)
    keysInvalid = true;
  if (!keysInvalid)
    key =
      bodyKey ?? (headerValue !== undefined && isValidKey(headerValue) ? headerValue : undefined);
  const invalid =
    userId === undefined ||
    amount === undefined ||
    keysInvalid ||
    key === undefined ||
    c.extraField !== undefined ||
    notJson.has(c.contentType) ||
    (c.route === "/withdraw" && c.releaseAt !== undefined);
  // Only a plain JSON request without a release time is one the suite can replay exactly.
  const replayable = !invalid && c.contentType === "application/json" && c.releaseAt === undefined;
  const write: WriteRequest | undefined = replayable
    ? {
        kind: c.route === "/charge" ? "charge" : "withdrawal",
        userId: userId,
        amount: amount,
        key: key!,
      }
    : undefined;
  return {
    method: "POST",
    path: c.route,
    headers,
    body,
    invalid,
    write,
    describe: `POST ${c.route}`,
  };
}

type HostileWriteShape = typeof hostileWrite extends fc.Arbitrary<infer T> ? T : never;
type ReadShape = typeof readCase extends fc.Arbitrary<infer T> ? T : never;

function materializeRead(c: ReadShape): HttpCase {
  switch (c.kind) {
    case "balance":
      return {
        method: "GET",
        path: `/balance?${c.query}`,
        headers: [],
        invalid: false,
        describe: "GET /balance",
      };
    case "list":
      return {
        method: "GET",
        path: `/transactions?${c.query}${c.paging}`,
        headers: [],
        invalid: false,
        describe: "GET /transactions",
      };
    case "one":
      return {
        method: "GET",
        path: `/transactions/${c.segment}`,
        headers: [],
        invalid: false,
        describe: "GET /transactions/:id",
      };
    case "odd":
      return {
        method: c.method,
        path: c.path,
        headers: [],
        invalid: false,
        describe: `${c.method} ${c.path}`,
      };
  }
}
