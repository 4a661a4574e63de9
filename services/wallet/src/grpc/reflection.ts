/**
 * Server reflection fed with the exact FileDescriptorProtos `buf build` wrote, imports included.
 * @grpc/reflection fed from a proto-loader package definition rewrites file names and drops
 * dependency lists, which buf curl and Python clients reject (grpc/grpc-node#2595); handing it
 * the raw descriptors keeps what real clients need.
 */
import { readFileSync } from "node:fs";
import type { Server } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { descriptorSetPath } from "@wallet/proto";

/** Splits a FileDescriptorSet (repeated FileDescriptorProto file = 1) into its files' bytes. */
export function splitDescriptorSet(bytes: Uint8Array): Buffer[] {
  const reader = new BinaryReader(bytes);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 10) files.push(Buffer.from(reader.bytes()));
    else reader.skip(tag & 7); // eslint-disable-line @typescript-eslint/no-unsafe-enum-assignment -- a tag's low three bits are its wire type
  }
  return files;
}

export function addReflection(server: Server): void {
  const fileDescriptorProtos = splitDescriptorSet(readFileSync(descriptorSetPath));
  const packageDefinition = { "wallet.v1": { fileDescriptorProtos } };
  new ReflectionService(packageDefinition as never).addToServer(server);
}
