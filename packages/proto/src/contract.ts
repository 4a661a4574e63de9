/**
 * The names and rules of the wallet.v1 contract that live outside the .proto: metadata keys and
 * the request id rule. The wallet, the gateway and the test doubles import them from here, so the
 * two sides of a call cannot disagree on a key or on which ids survive.
 */
import { randomUUID } from "node:crypto";

/** Metadata (and the gateway's HTTP header) carrying the request id, in both directions. */
export const requestIdKey = "x-request-id";

/** Trailer with the stable error code as plain text, for clients that skip the binary details. */
export const errorCodeKey = "wallet-error-code";

const usableRequestId = /^[\w.:-]{1,128}$/;

/** 1 to 128 of `A-Z a-z 0-9 _ . : -`: safe to log and to pass on. */
export function isUsableRequestId(value: unknown): value is string {
  return typeof value === "string" && usableRequestId.test(value);
}

/** The caller's request id if it is usable, else a fresh UUID. */
export function requestIdOrNew(value: unknown): string {
  return isUsableRequestId(value) ? value : randomUUID();
}
