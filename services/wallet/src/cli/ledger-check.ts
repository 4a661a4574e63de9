/**
 * `ledger-check`: verifies the whole ledger against the balance invariant. Prints what it
 * checked and every violation; exits 1 when there is any, 0 otherwise.
 */
import { loadConfigOrExit } from "@wallet/config";
import { walletConfigSchema } from "../config.js";
import { checkLedger } from "../db/ledger-check.js";
import { createPool } from "../db/pool.js";

async function main(): Promise<number> {
  const config = loadConfigOrExit("ledger-check", walletConfigSchema);
  const pool = createPool({
    databaseUrl: config.DATABASE_URL,
    poolMax: 1,
    statementTimeoutMs: 600_000,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    applicationName: "wallet-ledger-check",
  });
  try {
    const report = await checkLedger(pool);
    const lines = [
      `ledger check of ${new URL(config.DATABASE_URL).pathname.slice(1)}`,
      `  users checked:        ${report.usersChecked}`,
      `  transactions checked: ${report.transactionsChecked}`,
      `  charged:              ${report.chargedMinor}`,
      `  paid out:             ${report.paidOutMinor}`,
      `  held in wallets:      ${report.walletTotalMinor}`,
      `  violations:           ${report.violations.length}`,
      ...report.violations.map(
        (v) => `  VIOLATION user ${v.userId ?? "-"}: ${v.rule}: ${v.detail}`,
      ),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return report.violations.length === 0 ? 0 : 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `ledger-check failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(2);
  },
);
