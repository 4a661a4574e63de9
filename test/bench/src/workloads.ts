/**
 * What one call of each workload is. A workload returns a function that makes one call and
 * settles when it is answered; the load generator decides when to call it.
 */
import { service as healthService } from "grpc-health-check";
import { WalletServiceService } from "@wallet/proto";
import type { WorkloadName } from "./load-protocol.js";
import { createFramesTransport } from "./frames-transport.js";
import {
  createGrpcJsTransport,
  type TransportName,
  type UnaryMethod,
  type UnaryTransport,
} from "./unary-transport.js";

export const chargeAmountMinor = 100n;
/** Small against the seeded balance, so a run never drains a user into INSUFFICIENT_FUNDS. */
export const withdrawAmountMinor = 1n;
/** What seeding credits each user; enough for any number of withdrawals a run can make. */
export const seedAmountMinor = 1_000_000_000n;

export interface Workload {
  call(): Promise<unknown>;
  /** Resolves once the channel is connected, so the first measured calls pay no handshake. */
  waitForReady(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface WorkloadOptions {
  address: string;
  client: TransportName;
  userCount: number;
  callDeadlineMs: number;
  keyPrefix: string;
}

export function createTransport(
  name: TransportName,
  address: string,
  callDeadlineMs: number,
): UnaryTransport {
  switch (name) {
    case "frames":
      return createFramesTransport(address, callDeadlineMs);
    case "grpc-js":
      return createGrpcJsTransport(address, callDeadlineMs);
  }
}

export function createWorkload(name: WorkloadName, options: WorkloadOptions): Workload {
  const transport = createTransport(options.client, options.address, options.callDeadlineMs);
  return {
    call: name === "noop" ? noopCall(transport) : walletCalls(transport, options)[name],
    waitForReady: (timeoutMs) => transport.waitForReady(timeoutMs),
    close: () => transport.close(),
  };
}

function walletCalls(
  transport: UnaryTransport,
  options: WorkloadOptions,
): Record<Exclude<WorkloadName, "noop">, () => Promise<unknown>> {
  const hotUserId = BigInt(options.userCount + 1);
  let sequence = 0;
  const nextKey = () => `${options.keyPrefix}-${sequence++}`;
  const spreadUser = () => BigInt(1 + Math.floor(Math.random() * options.userCount));

  const charge = (userId: bigint) =>
    transport.call(WalletServiceService.charge, {
      userId,
      amount: chargeAmountMinor,
      idempotencyKey: nextKey(),
      releaseAt: undefined,
    });
  const getBalance = () =>
    transport.call(WalletServiceService.getBalance, { userId: spreadUser() });
  const withdraw = () =>
    transport.call(WalletServiceService.withdraw, {
      userId: spreadUser(),
      amount: withdrawAmountMinor,
      idempotencyKey: nextKey(),
    });

  return {
    "charge-spread": () => charge(spreadUser()),
    "charge-hot": () => charge(hotUserId),
    "balance-read": getBalance,
    // 70% charges, 20% balance reads, 10% withdrawals.
    mixed: () => {
      const pick = Math.random();
      if (pick < 0.7) return charge(spreadUser());
      if (pick < 0.9) return getBalance();
      return withdraw();
    },
    withdraw,
  };
}

/** grpc.health.v1.Health/Check against the bench's no-op server: the cost of gRPC alone. */
function noopCall(transport: UnaryTransport): () => Promise<unknown> {
  // proto-loader's definition has the same shape as ts-proto's, with looser types.
  const check = healthService.Check as unknown as UnaryMethod<{ service: string }, unknown>;
  return () => transport.call(check, { service: "" });
}
