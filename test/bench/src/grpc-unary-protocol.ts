/**
 * What a unary call over HTTP/2 needs of the gRPC protocol
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md), apart from HTTP/2 itself: the
 * length-prefixed message, `grpc-timeout` carrying the deadline, and the call's outcome from the
 * status in the trailers (or in the headers of a trailers-only answer). The frames client
 * (frames-transport.ts) builds its calls from these. No compression, metadata or retries: the
 * bench sends none of those.
 */
import { status } from "@grpc/grpc-js";
import { CallError } from "./unary-transport.js";

/** The message prefix: a compressed flag and a big-endian 32-bit length. */
const messagePrefixBytes = 5;

/** The message behind its prefix, not compressed. */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(messagePrefixBytes + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, messagePrefixBytes);
  return framed;
}

/** The one message of a unary response body, or why the body is not one. */
export function unframeMessage(body: Buffer): Buffer | CallError {
  if (body.length < messagePrefixBytes)
    return new CallError(status.INTERNAL, `response has ${body.length} bytes, no message`);
  if (body[0] !== 0)
    return new CallError(status.INTERNAL, "response is compressed, which was not asked for");
  const length = body.readUInt32BE(1);
  if (body.length !== messagePrefixBytes + length) {
    return new CallError(
      status.INTERNAL,
      `response framing: message of ${length} bytes in a body of ${body.length}`,
    );
  }
  return body.subarray(messagePrefixBytes);
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

/** grpc-message is percent-encoded; a value that does not decode is shown as it came. */
function decodeGrpcMessage(value: string | undefined): string {
  if (value === undefined) return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** How a unary call's stream ended: what its headers and trailers said. */
export interface StreamEnding {
  httpStatus: number | undefined;
  /** From the trailers, or the headers of a trailers-only answer; undefined when the stream had no ending. */
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
}

/** A unary call's outcome from how its stream ended and the body it carried. */
export function unaryOutcome<Res>(
  ending: StreamEnding,
  body: Buffer[],
  deserialize: (bytes: Buffer) => Res,
): Res | CallError {
  const { httpStatus, grpcStatus } = ending;
  if (grpcStatus === undefined) {
    const why = `stream closed without a status (HTTP ${httpStatus ?? "none"})`;
    return new CallError(
      httpStatus === undefined || httpStatus === 200
        ? status.UNAVAILABLE
        : statusFromHttp(httpStatus),
      why,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- grpc-status is the code's decimal text
  const code: status = /^\d{1,2}$/.test(grpcStatus) ? Number(grpcStatus) : status.UNKNOWN;
  if (code !== status.OK) return new CallError(code, decodeGrpcMessage(ending.grpcMessage));
  const message = unframeMessage(body.length === 1 ? body[0]! : Buffer.concat(body));
  if (message instanceof CallError) return message;
  try {
    return deserialize(message);
  } catch (err) {
    return new CallError(status.INTERNAL, `response does not decode: ${(err as Error).message}`);
  }
}
