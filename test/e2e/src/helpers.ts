/** Shared steps of the end-to-end tests. */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { TransactionStatus, type Transaction, type WalletClient } from "@wallet/proto";
import { repoRoot, waitFor } from "@wallet/test-kit";

const run = promisify(execFile);

const finalStatuses = new Set([
  TransactionStatus.TRANSACTION_STATUS_COMPLETED,
  TransactionStatus.TRANSACTION_STATUS_FAILED,
]);

/** Waits until the withdrawal is completed or failed. */
export function settled(
  client: WalletClient,
  id: string,
  timeoutMs = 30_000,
): Promise<Transaction> {
  return waitFor(
    `withdrawal ${id} to settle`,
    async () => {
      const { transaction } = await client.getTransaction({ id });
      return transaction && finalStatuses.has(transaction.status) ? transaction : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Runs one of the wallet's operator commands against a database. */
export async function walletCli(
  command: "ledger-check" | "parked",
  args: string[],
  databaseUrl: string,
) {
  return run(
    process.execPath,
    [resolve(repoRoot, `services/wallet/dist/cli/${command}.js`), ...args],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      timeout: 60_000,
    },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: unknown) => {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    },
  );
}

let keyCounter = 0;
export const newKey = (prefix = "e2e") =>
  `${prefix}-${process.pid}-${Date.now()}-${(keyCounter += 1)}`;
