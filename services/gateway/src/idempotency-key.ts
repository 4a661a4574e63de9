/**
 * The idempotency key of a write may come in the body (the original API) or in the
 * `Idempotency-Key` header (the common HTTP convention). Either is fine; two different keys for
 * one request are a client bug, refused rather than guessed.
 */
import { invalidRequest } from "./api-error.js";

export const idempotencyKeyHeader = "idempotency-key";

/**
 * `headerValues` are the header's distinct occurrences (Node's headersDistinct): Node would join
 * repeats into "a, b", which must not silently become a key.
 */
export function resolveIdempotencyKey(
  bodyKey: string | undefined,
  headerValues: string[] | undefined,
): string {
  if (headerValues !== undefined && headerValues.length > 1)
    throw invalidRequest("Idempotency-Key", "must be sent once");
  const headerValue = headerValues?.[0];
  const headerKey = headerValue === "" ? undefined : headerValue;
  if (bodyKey !== undefined && headerKey !== undefined && bodyKey !== headerKey) {
    throw invalidRequest(
      "idempotency_key",
      "differs from the Idempotency-Key header; send one key",
    );
  }
  const key = bodyKey ?? headerKey;
  if (key === undefined)
    throw invalidRequest(
      "idempotency_key",
      "is required, in the body or the Idempotency-Key header",
    );
  return key;
}
