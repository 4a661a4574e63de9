/**
 * Rich gRPC errors: a google.rpc.Status in the `grpc-status-details-bin` trailer whose details
 * hold one wallet.v1.ErrorDetail. This is the standard place grpcurl, buf curl and other gRPC
 * clients look for error details; the message types resolve through server reflection.
 */
import { Status } from "./gen/google/rpc/status.js";
import { ErrorDetail } from "./gen/wallet/v1/wallet.js";

export const statusDetailsKey = "grpc-status-details-bin";
const errorDetailTypeUrl = "type.googleapis.com/wallet.v1.ErrorDetail";

/** A google.rpc.Status with `detail` as its one Any. */
export function encodeStatusDetails(code: number, message: string, detail: ErrorDetail): Buffer {
  const any = {
    typeUrl: errorDetailTypeUrl,
    value: Buffer.from(ErrorDetail.encode(detail).finish()),
  };
  return Buffer.from(Status.encode({ code, message, details: [any] }).finish());
}

/** Finds the wallet.v1.ErrorDetail in an encoded google.rpc.Status, if there is one. */
export function decodeStatusDetails(bytes: Uint8Array): ErrorDetail | undefined {
  const any = Status.decode(bytes).details.find((detail) => detail.typeUrl === errorDetailTypeUrl);
  return any === undefined ? undefined : ErrorDetail.decode(any.value);
}
