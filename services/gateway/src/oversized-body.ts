/**
 * A body declared (Content-Length) larger than the limit gets 413 without being parsed. Answering
 * at once and closing, as Fastify does, races the client: one that writes its whole body before
 * reading (fetch does) meets a reset instead of the answer. So the gateway first reads the body
 * and drops it, as a lingering close does, within two bounds: a body declared larger than
 * `discardMaxBytes`, or not finished within `discardTimeoutMs`, is answered at once and its
 * connection closed. (A chunked body has no declared length; Fastify refuses it once it passes the
 * limit, and closes.)
 */
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { payloadTooLarge } from "./api-error.js";

export interface OversizedBodyLimits {
  bodyLimitBytes: number;
  discardMaxBytes: number;
  discardTimeoutMs: number;
}

/** Reads `body` to its end and drops it; false when it ran past `maxBytes`, `timeoutMs` or failed. */
export function discardBody(body: Readable, maxBytes: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      body.off("data", onData).off("end", onEnd).off("error", onError);
      if (!whole) body.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    body.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

export function refuseOversizedBodies(app: FastifyInstance, limits: OversizedBodyLimits): void {
  app.addHook("onRequest", async (request, reply) => {
    const declaredBytes = Number(request.headers["content-length"]);
    if (!(declaredBytes > limits.bodyLimitBytes)) return;
    const discarded =
      declaredBytes <= limits.discardMaxBytes &&
      (await discardBody(request.raw, limits.discardMaxBytes, limits.discardTimeoutMs));
    // A body left unread would be taken for the next request: the connection must end.
    if (!discarded) reply.header("connection", "close");
    throw payloadTooLarge(limits.bodyLimitBytes);
  });
}
