import { status } from "@grpc/grpc-js";

/**
 * Every gRPC status with the HTTP status and default body code the gateway answers it with.
 * Written out by hand, not derived from the code under test, so a changed row fails a test.
 */
export const grpcStatusTable: ReadonlyArray<[keyof typeof status, number, string]> = [
  ["OK", 500, "INTERNAL"],
  ["CANCELLED", 503, "DEPENDENCY_UNAVAILABLE"],
  ["UNKNOWN", 500, "INTERNAL"],
  ["INVALID_ARGUMENT", 400, "INVALID_ARGUMENT"],
  ["DEADLINE_EXCEEDED", 503, "DEPENDENCY_UNAVAILABLE"],
  ["NOT_FOUND", 404, "TRANSACTION_NOT_FOUND"],
  ["ALREADY_EXISTS", 409, "DUPLICATE_REQUEST"],
  ["PERMISSION_DENIED", 500, "INTERNAL"],
  ["RESOURCE_EXHAUSTED", 503, "DEPENDENCY_UNAVAILABLE"],
  ["FAILED_PRECONDITION", 400, "INVALID_ARGUMENT"],
  ["ABORTED", 500, "INTERNAL"],
  ["OUT_OF_RANGE", 400, "INVALID_ARGUMENT"],
  ["UNIMPLEMENTED", 500, "INTERNAL"],
  ["INTERNAL", 500, "INTERNAL"],
  ["UNAVAILABLE", 503, "DEPENDENCY_UNAVAILABLE"],
  ["DATA_LOSS", 500, "INTERNAL"],
  ["UNAUTHENTICATED", 500, "INTERNAL"],
];
