/** Validation of POST /payouts: the Idempotency-Key header and the JSON body. */

export interface PayoutRequest {
  readonly reference: string;
  readonly userId: string;
  readonly amountMinor: bigint;
}

export type ParseResult = { ok: true; request: PayoutRequest } | { ok: false; problems: string[] };

/**
 * Ids are the wallet's transaction and user ids as strings; the bank accepts any short token so
 * that tests may use readable names, but nothing that could break a URL path or a log line.
 */
const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;
/** Minor units as a canonical decimal string: no sign, no leading zeros, no exponent. */
const amountPattern = /^[1-9][0-9]{0,18}$/;
/** The int64 bound of the wallet's contract. */
const amountMinorMax = 2n ** 63n - 1n;

export function parsePayoutRequest(idempotencyKey: string | string[] | undefined, body: unknown): ParseResult {
  const problems: string[] = [];
  if (typeof idempotencyKey !== "string" || !idPattern.test(idempotencyKey)) {
    problems.push("Idempotency-Key header: required, 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    problems.push("body: must be a JSON object");
    return { ok: false, problems };
  }
  const fields = body as Record<string, unknown>;
  const { reference, user_id: userId, amount } = fields;
  if (typeof reference !== "string" || !idPattern.test(reference)) {
    problems.push("reference: required string, 1-128 characters of A-Z a-z 0-9 . _ : -");
  } else if (typeof idempotencyKey === "string" && idempotencyKey !== reference) {
    problems.push("reference: must equal the Idempotency-Key header");
  }
  if (typeof userId !== "string" || !idPattern.test(userId)) {
    problems.push("user_id: required string, 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  // Amounts arrive as strings because a JSON number above 2^53 is rounded by JavaScript readers.
  let amountMinor: bigint | undefined;
  if (typeof amount !== "string" || !amountPattern.test(amount)) {
    problems.push("amount: required decimal string of minor units, greater than 0");
  } else {
    amountMinor = BigInt(amount);
    if (amountMinor > amountMinorMax) {
      problems.push(`amount: must be at most ${amountMinorMax}`);
    }
  }
  if (problems.length > 0 || amountMinor === undefined) return { ok: false, problems };
  return { ok: true, request: { reference: reference as string, userId: userId as string, amountMinor } };
}
