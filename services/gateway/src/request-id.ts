/**
 * Request ids: a caller's sane `X-Request-Id` is kept, anything else replaced by a fresh UUID.
 * The id is echoed in the response, sent to the wallet as `x-request-id` metadata, and put on
 * every log line about the request, so one id follows a request through both services.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const requestIdHeader = "x-request-id";

/** The same rule the wallet applies to the metadata it receives. */
const saneRequestId = /^[\w.:-]{1,128}$/;

export function requestIdFor(request: IncomingMessage): string {
  const value = request.headers[requestIdHeader];
  return typeof value === "string" && saneRequestId.test(value) ? value : randomUUID();
}
