/**
 * grpc-js answers INTERNAL when a request's bytes cannot be decoded, but bytes that are not a
 * valid message are the caller's mistake. The decoders are wrapped so a decode failure becomes a
 * marker value, and the handler answers it with INVALID_ARGUMENT.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";
import { invalidArgument } from "@wallet/errors";

const malformed = Symbol("malformed request");

interface MalformedRequest {
  [malformed]: true;
}

export function isMalformedRequest(request: unknown): request is MalformedRequest {
  return typeof request === "object" && request !== null && malformed in request;
}

export function requireWellFormed(request: unknown): void {
  if (isMalformedRequest(request))
    throw invalidArgument("request", "is not a valid protobuf message for this method");
}

export function withTolerantDecoders<D extends ServiceDefinition>(definition: D): D {
  const wrapped = Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer) => {
          try {
            return method.requestDeserialize(bytes) as unknown;
          } catch {
            return { [malformed]: true } satisfies MalformedRequest;
          }
        },
      },
    ]),
  );
  return wrapped as D;
}
