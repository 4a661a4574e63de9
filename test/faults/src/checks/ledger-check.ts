/**
 * Runs the product's own `ledger-check` command against the suite's database: the invariant
 * check the project ships (balance parts equal the transactions, nothing negative, refunds once).
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "@wallet/test-kit";

export interface LedgerCheckResult {
  exitCode: number;
  violations: number;
  /** Each VIOLATION line the command printed. */
  lines: string[];
  summary: string;
}

export function runLedgerCheck(databaseUrl: string): Promise<LedgerCheckResult> {
  const entry = resolve(repoRoot, "services/wallet/dist/cli/ledger-check.js");
  return new Promise((done) => {
    execFile(
      process.execPath,
      [entry],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const exitCode = err ? (typeof err.code === "number" ? err.code : 2) : 0;
        const counted = /violations:\s+(\d+)/.exec(stdout);
        const lines = stdout.split("\n").filter((line) => line.includes("VIOLATION"));
        const users = /users checked:\s+(\d+)/.exec(stdout)?.[1] ?? "?";
        const transactions = /transactions checked:\s+(\d+)/.exec(stdout)?.[1] ?? "?";
        const violations = counted ? Number(counted[1]) : exitCode === 0 ? 0 : -1;
        const summary =
          exitCode === 0 && violations === 0
            ? `ok (${users} users, ${transactions} tx)`
            : violations > 0
              ? `FAILED: ${violations} violations`
              : `FAILED to run (exit ${exitCode}): ${stderr.trim().slice(0, 200)}`;
        done({ exitCode, violations, lines, summary });
      },
    );
  });
}
