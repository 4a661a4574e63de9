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

export function parsePayoutRequest(
  idempotencyKey: string | string[] | undefined,
  body: unknown,
): ParseResult {
  const problems: string[] = [];
  const key = validId(idempotencyKey);
  if (key === undefined) problems.push(`Idempotency-Key header: required, ${idRule}`);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    problems.push("body: must be a JSON object");
    return { ok: false, problems };
  }
  const fields = body as Record<string, unknown>;
  const reference = validId(fields.reference);
  if (reference === undefined) problems.push(`reference: required string, ${idRule}`);
  else if (key !== undefined && key !== reference)
    problems.push("reference: must equal the Idempotency-Key header");
  const userId = validId(fields.user_id);
  if (userId === undefined) problems.push(`user_id: required string, ${idRule}`);
  const amountMinor = validAmountMinor(fields.amount);
  if (amountMinor === undefined)
    problems.push(`amount: required decimal string of minor units, from 1 to ${amountMinorMax}`);
  if (
    problems.length > 0 ||
    reference === undefined ||
    userId === undefined ||
    amountMinor === undefined
  ) {
    return { ok: false, problems };
  }
  return { ok: true, request: { reference, userId, amountMinor } };
}

/** How an invalid id is explained to the client. */
export const idRule = "1-128 characters of A-Z a-z 0-9 . _ : -";

export function isValidId(value: string): boolean {
  return idPattern.test(value);
}

function validId(value: unknown): string | undefined {
  return typeof value === "string" && idPattern.test(value) ? value : undefined;
}

// Amounts arrive as strings because a JSON number above 2^53 is rounded by JavaScript readers.
function validAmountMinor(value: unknown): bigint | undefined {
  if (typeof value !== "string" || !amountPattern.test(value)) return undefined;
  const amountMinor = BigInt(value);
  return amountMinor <= amountMinorMax ? amountMinor : undefined;
}
