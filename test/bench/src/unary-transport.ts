/**
 * How a load generator sends one unary gRPC call. Two implementations, chosen with `--client`:
 *
 * - `frames` (default): HTTP/2 frames written and read on a TCP socket (frames-transport.ts), with
 *   a per-method cached header block and one write per event-loop turn, so a call costs the
 *   generator little CPU and garbage.
 * - `grpc-js`: @grpc/grpc-js's generic client, the stack the wallet's own callers (the gateway,
 *   other services) use; its figures show what a grpc-js caller costs on top.
 *
 * The generators share two cores with the system under test, so what a call costs them is taken
 * from the wallet. Both speak the same wire protocol to the same server; grpc-noop is driven by
 * the same transport as the scenarios, so the ratios against it compare like with like.
 */
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";

export const transportNames = ["frames", "grpc-js"] as const;
export type TransportName = (typeof transportNames)[number];

/** What a call needs of a method: the shape of ts-proto's and proto-loader's method definitions. */
export interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

export interface UnaryTransport {
  /** Resolves with the decoded response; rejects with an error whose `code` is the gRPC status. */
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res>;
  /** Resolves once connected, so the first measured calls pay no handshake. */
  waitForReady(timeoutMs: number): Promise<void>;
  close(): void;
}

/** A call that ended with a status other than OK. */
export class CallError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${status[code] ?? code}: ${details}`);
    this.name = "CallError";
  }
}

export function createGrpcJsTransport(address: string, callDeadlineMs: number): UnaryTransport {
  const client = new Client(address, credentials.createInsecure());
  return {
    call: (method, request) =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          new Metadata(),
          { deadline: Date.now() + callDeadlineMs },
          (err: ServiceError | null, response) => (err ? reject(err) : resolve(response!)),
        ),
      ),
    waitForReady: (timeoutMs) =>
      new Promise((resolve, reject) =>
        client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
      ),
    close: () => client.close(),
  };
}
