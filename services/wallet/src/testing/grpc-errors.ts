/** Test helpers for asserting on gRPC errors and their wallet.v1.ErrorDetail. */
import { status, type ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails, statusDetailsKey, type ErrorDetail } from "@wallet/proto";

export interface CaughtGrpcError {
  code: status;
  codeName: string;
  message: string;
  detail: ErrorDetail | undefined;
}

/** Awaits a call that must fail and returns its status and decoded detail. */
export async function grpcError(promise: Promise<unknown>): Promise<CaughtGrpcError> {
  try {
    await promise;
  } catch (err) {
    const serviceError = err as ServiceError;
    if (typeof serviceError.code !== "number") throw err;
    const [raw] = serviceError.metadata?.get(statusDetailsKey) ?? [];
    return {
      code: serviceError.code,
      codeName: status[serviceError.code] ?? String(serviceError.code),
      message: serviceError.details,
      detail: raw instanceof Buffer ? decodeStatusDetails(raw) : undefined,
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}
