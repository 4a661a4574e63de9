/**
 * Gives every spread user a balance before the scenarios that read or withdraw, through the
 * wallet's own API (a charge each), so the data is exactly what the service would have written.
 * Keys are fixed per user: seeding a running system twice is harmless (ALREADY_EXISTS).
 */
import { status } from "@grpc/grpc-js";
import { createWalletClient } from "@wallet/proto";
import { seedAmountMinor } from "./workloads.js";

export async function seedUsers(
  walletAddress: string,
  userCount: number,
  concurrency: number,
  callDeadlineMs: number,
): Promise<void> {
  const client = createWalletClient(walletAddress, callDeadlineMs);
  let next = 1;
  const failures: string[] = [];
  const worker = async () => {
    while (next <= userCount && failures.length === 0) {
      const userId = BigInt(next++);
      try {
        await client.charge({
          userId,
          amount: seedAmountMinor,
          idempotencyKey: `bench-seed-${userId}`,
          releaseAt: undefined,
        });
      } catch (err) {
        if ((err as { code?: number }).code !== status.ALREADY_EXISTS)
          failures.push(`user ${userId}: ${(err as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.close();
  }
  if (failures.length > 0) throw new Error(`seeding users failed: ${failures[0]}`);
}
