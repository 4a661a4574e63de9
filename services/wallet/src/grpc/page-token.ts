/**
 * Opaque keyset page tokens. A token names the last `seq` a page returned; the next page starts
 * strictly below it, so rows inserted meanwhile never shift what a walk sees.
 */
import { invalidArgument } from "@wallet/errors";

const prefix = "v1:";

export function encodePageToken(lastSeq: bigint): string {
  return Buffer.from(`${prefix}${lastSeq}`, "utf8").toString("base64url");
}

/** Returns the seq to continue below, or undefined for the first page. */
export function decodePageToken(token: string): bigint | undefined {
  if (token === "") return undefined;
  const bad = () => invalidArgument("page_token", "is not a token this service issued");
  if (token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  const text = Buffer.from(token, "base64url").toString("utf8");
  const match = /^v1:([1-9][0-9]{0,18})$/.exec(text);
  if (!match?.[1]) throw bad();
  const seq = BigInt(match[1]);
  if (seq > 2n ** 63n - 1n) throw bad();
  return seq;
}
