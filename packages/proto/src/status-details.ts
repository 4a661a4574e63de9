/**
 * Rich gRPC errors: a google.rpc.Status in the `grpc-status-details-bin` trailer whose details
 * hold one wallet.v1.ErrorDetail. This is the standard place grpcurl, buf curl and other gRPC
 * clients look for error details; the message types resolve through server reflection.
 */
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { ErrorDetail } from "./gen/wallet/v1/wallet.js";

export const statusDetailsKey = "grpc-status-details-bin";
const errorDetailTypeUrl = "type.googleapis.com/wallet.v1.ErrorDetail";

/** Encodes google.rpc.Status { code = 1; message = 2; repeated Any details = 3 }. */
export function encodeStatusDetails(code: number, message: string, detail: ErrorDetail): Buffer {
  const any = new BinaryWriter().uint32(10).string(errorDetailTypeUrl).uint32(18).bytes(ErrorDetail.encode(detail).finish());
  const status = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any.finish());
  return Buffer.from(status.finish());
}

/** Finds the wallet.v1.ErrorDetail in an encoded google.rpc.Status, if there is one. */
export function decodeStatusDetails(bytes: Uint8Array): ErrorDetail | undefined {
  const status = new BinaryReader(bytes);
  while (status.pos < status.len) {
    const tag = status.uint32();
    if (tag >>> 3 !== 3 || (tag & 7) !== 2) {
      status.skip(tag & 7);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let typeUrl = "";
    let value: Uint8Array | undefined;
    while (any.pos < any.len) {
      const anyTag = any.uint32();
      if (anyTag === 10) typeUrl = any.string();
      else if (anyTag === 18) value = any.bytes();
      else any.skip(anyTag & 7);
    }
    if (typeUrl === errorDetailTypeUrl && value !== undefined) return ErrorDetail.decode(value);
  }
  return undefined;
}
