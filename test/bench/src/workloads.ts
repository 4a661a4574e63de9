/**
 * What one call of each workload is. A workload returns a function that makes one call and
 * settles when it is answered; the load generator decides when to call it.
 */
import { credentials, makeClientConstructor, type Client, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { createWalletClient } from "@wallet/proto";
import type { WorkloadName } from "./load-protocol.js";

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
  userCount: number;
  callDeadlineMs: number;
  keyPrefix: string;
}

function waitForClient(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())));
}

export function createWorkload(name: WorkloadName, options: WorkloadOptions): Workload {
  return name === "noop" ? createNoopWorkload(options) : createWalletWorkload(name, options);
}

function createWalletWorkload(name: Exclude<WorkloadName, "noop">, options: WorkloadOptions): Workload {
  const client = createWalletClient(options.address, options.callDeadlineMs);
  const hotUserId = BigInt(options.userCount + 1);
  let sequence = 0;
  const nextKey = () => `${options.keyPrefix}-${sequence++}`;
  const spreadUser = () => BigInt(1 + Math.floor(Math.random() * options.userCount));

  const charge = (userId: bigint) => client.charge({ userId, amount: chargeAmountMinor, idempotencyKey: nextKey(), releaseAt: undefined });
  const getBalance = () => client.getBalance({ userId: spreadUser() });
  const withdraw = () => client.withdraw({ userId: spreadUser(), amount: withdrawAmountMinor, idempotencyKey: nextKey() });

  const calls: Record<typeof name, () => Promise<unknown>> = {
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

  return {
    call: calls[name],
    waitForReady: (timeoutMs) => waitForClient(client.raw, timeoutMs),
    close: () => client.close(),
  };
}

type HealthClient = Client & {
  check(request: { service: string }, options: { deadline: Date }, callback: (err: ServiceError | null) => void): void;
};

/** grpc.health.v1.Health/Check against the bench's no-op server: the cost of gRPC alone. */
function createNoopWorkload(options: WorkloadOptions): Workload {
  const HealthClient = makeClientConstructor(healthService as Parameters<typeof makeClientConstructor>[0], "grpc.health.v1.Health");
  // The generic constructor types its methods as plain functions; this is Check's signature.
  const client = new HealthClient(options.address, credentials.createInsecure()) as unknown as HealthClient;
  return {
    call: () =>
      new Promise<void>((resolve, reject) =>
        client.check({ service: "" }, { deadline: new Date(Date.now() + options.callDeadlineMs) }, (err) => (err ? reject(err) : resolve())),
      ),
    waitForReady: (timeoutMs) => waitForClient(client, timeoutMs),
    close: () => client.close(),
  };
}
