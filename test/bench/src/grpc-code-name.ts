/** Names a failed call for the error counts: its gRPC status name, or CLIENT_ERROR. */
import { status } from "@grpc/grpc-js";

export function grpcCodeName(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "number" && typeof status[code] === "string") return status[code];
  // Not a gRPC status at all: a bug in the generator or a serialisation failure.
  return "CLIENT_ERROR";
}
