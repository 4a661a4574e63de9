/**
 * A lean unary gRPC client on node:http2, for the load generator (see unary-transport.ts for why).
 * It implements what a unary call over cleartext HTTP/2 needs of the gRPC protocol
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): one stream per call,
 * `grpc-timeout` carrying the deadline, the length-prefixed message, and the status read from the
 * trailers (or from the headers of a trailers-only answer). No compression, metadata, retries,
 * name resolution or load balancing: the bench has one address and sends none of those.
 */
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { status } from "@grpc/grpc-js";
import { CallError, type UnaryMethod, type UnaryTransport } from "./unary-transport.js";

const frameHeaderBytes = 5;

/** The 5-byte prefix (not compressed, big-endian length) and the message. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, frameHeaderBytes);
  return frame;
}

/** The one message of a unary response body, or why the body is not one. */
export function unframeMessage(body: Buffer): Buffer | CallError {
  if (body.length < frameHeaderBytes) return new CallError(status.INTERNAL, `response has ${body.length} bytes, no message`);
  if (body[0] !== 0) return new CallError(status.INTERNAL, "response is compressed, which was not asked for");
  const length = body.readUInt32BE(1);
  if (body.length !== frameHeaderBytes + length) {
    return new CallError(status.INTERNAL, `response framing: message of ${length} bytes in a body of ${body.length}`);
  }
  return body.subarray(frameHeaderBytes);
}

/** `grpc-timeout`: at most 8 digits, so long deadlines go in seconds. */
export function grpcTimeoutHeader(deadlineMs: number): string {
  return deadlineMs <= 99_999_999 ? `${deadlineMs}m` : `${Math.ceil(deadlineMs / 1000)}S`;
}

/** The status of an answer that carried no grpc-status, from its HTTP status (PROTOCOL-HTTP2.md). */
export function statusFromHttp(httpStatus: number | undefined): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}

function decodeGrpcMessage(value: unknown): string {
  if (typeof value !== "string") return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** How a unary call's stream ended: what the headers and trailers said, and any stream error. */
export interface StreamEnding {
  httpStatus: number | undefined;
  /** From the trailers, or the headers of a trailers-only answer; undefined when the stream had no ending. */
  grpcStatus: string | undefined;
  grpcMessage: unknown;
  streamError?: string | undefined;
}

/** A unary call's outcome from how its stream ended and the body it carried. */
export function unaryOutcome<Res>(ending: StreamEnding, body: Buffer[], deserialize: (bytes: Buffer) => Res): Res | CallError {
  const { httpStatus, grpcStatus } = ending;
  if (grpcStatus === undefined) {
    const why = ending.streamError ?? `stream closed without a status (HTTP ${httpStatus ?? "none"})`;
    return new CallError(httpStatus === undefined || httpStatus === 200 ? status.UNAVAILABLE : statusFromHttp(httpStatus), why);
  }
  const code = /^\d{1,2}$/.test(grpcStatus) ? Number(grpcStatus) : status.UNKNOWN;
  if (code !== status.OK) return new CallError(code, decodeGrpcMessage(ending.grpcMessage));
  const message = unframeMessage(body.length === 1 ? body[0]! : Buffer.concat(body));
  if (message instanceof CallError) return message;
  try {
    return deserialize(message);
  } catch (err) {
    return new CallError(status.INTERNAL, `response does not decode: ${(err as Error).message}`);
  }
}

export function createHttp2Transport(address: string, callDeadlineMs: number): UnaryTransport {
  const authority = `http://${address}`;
  const timeoutHeader = grpcTimeoutHeader(callDeadlineMs);
  let session: ClientHttp2Session | undefined;

  /** The open session, or a new one after the last was closed (GOAWAY) or failed. */
  const currentSession = (): ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) {
      const opened = http2.connect(authority);
      // A failed session fails each of its streams, which report it to their callers.
      opened.on("error", () => {});
      session = opened;
    }
    return session;
  };

  function call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: Res | CallError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadlineTimer);
        if (outcome instanceof CallError) reject(outcome);
        else resolve(outcome);
      };
      const deadlineTimer = setTimeout(() => {
        settle(new CallError(status.DEADLINE_EXCEEDED, `no answer within ${callDeadlineMs} ms`));
        stream?.close(http2.constants.NGHTTP2_CANCEL);
      }, callDeadlineMs);

      let stream: http2.ClientHttp2Stream | undefined;
      try {
        stream = currentSession().request({
          ":method": "POST",
          ":path": method.path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": timeoutHeader,
        });
      } catch (err) {
        settle(new CallError(status.UNAVAILABLE, (err as Error).message));
        return;
      }

      let httpStatus: number | undefined;
      let ending: IncomingHttpHeaders | undefined;
      let streamError: Error | undefined;
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => {
        httpStatus = headers[":status"];
        // A trailers-only answer (an error, typically) puts the status in the headers.
        if (headers["grpc-status"] !== undefined) ending = headers;
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("trailers", (trailers) => (ending = trailers));
      stream.on("error", (err) => (streamError = err));
      stream.on("close", () => {
        // Trailers without a grpc-status read as an unparseable one (UNKNOWN), not as no ending.
        const grpcStatus = ending ? String(ending["grpc-status"] ?? "") : undefined;
        settle(
          unaryOutcome(
            { httpStatus, grpcStatus, grpcMessage: ending?.["grpc-message"], streamError: streamError?.message },
            chunks,
            method.responseDeserialize,
          ),
        );
      });
      stream.end(frameMessage(method.requestSerialize(request)));
    });
  }

  return {
    call,
    waitForReady: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const connecting = currentSession();
        if (!connecting.connecting) return resolve();
        const timer = setTimeout(() => fail(new CallError(status.UNAVAILABLE, `not connected within ${timeoutMs} ms`)), timeoutMs);
        const fail = (err: Error) => {
          clearTimeout(timer);
          reject(err instanceof CallError ? err : new CallError(status.UNAVAILABLE, err.message));
        };
        connecting.once("connect", () => {
          clearTimeout(timer);
          resolve();
        });
        connecting.once("error", fail);
      }),
    close: () => session?.close(),
  };
}
