/**
 * The wallet.v1 contract as TypeScript: messages, the grpc-js service definition and client, the
 * metadata keys and request id rule both sides share, and the path of the descriptor set used by
 * server reflection. int64 fields are bigint.
 */
import { resolve } from "node:path";

export * from "./gen/wallet/v1/wallet.js";
export { Timestamp } from "./gen/google/protobuf/timestamp.js";

/** A FileDescriptorSet of proto/ with its imports, written by `buf build` at codegen time. */
export const descriptorSetPath = resolve(__dirname, "../descriptor/wallet.binpb");
export * from "./contract.js";
export * from "./status-details.js";
export * from "./timestamps.js";
export * from "./wallet-client.js";
