/**
 * `parked`: the operator's tool for withdrawals settlement gave up on.
 *
 *   parked list [--limit N]        lists parked withdrawals, oldest first
 *   parked retry <id> [<id> ...]   sends those back to settlement
 *   parked retry --all             sends every parked withdrawal back
 *
 * A retry queues a new settlement request through the outbox (the running wallets publish it);
 * the bank idempotency key stays the transaction id, so a retry can never pay twice.
 */
import { loadConfigOrExit } from "@wallet/config";
import { walletConfigSchema } from "../config.js";
import { createPool } from "../db/pool.js";
import { createSettlementStore } from "../db/settlement-store.js";
import { requireTransactionId } from "../domain/commands.js";

const usage = "usage: parked list [--limit N] | parked retry <id>... | parked retry --all";

async function main(args: string[]): Promise<number> {
  const config = loadConfigOrExit("parked", walletConfigSchema);
  const pool = createPool({
    databaseUrl: config.DATABASE_URL,
    poolMax: 1,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    applicationName: "wallet-parked",
  });
  const store = createSettlementStore(pool);
  try {
    const [command, ...rest] = args;
    if (command === "list") {
      const limitIndex = rest.indexOf("--limit");
      const limit = limitIndex >= 0 ? Number(rest[limitIndex + 1]) : 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new Error("--limit takes a whole number from 1 to 10000");
      const parked = await store.listParked(limit);
      process.stdout.write(`${parked.length} parked withdrawal(s)\n`);
      for (const p of parked) {
        process.stdout.write(
          `${p.id}  user ${p.userId}  amount ${p.amountMinor}  parked ${p.parkedAt.toISOString()}  retries ${p.retries}  ${p.reason ?? ""}\n`,
        );
      }
      return 0;
    }
    if (command === "retry" && rest.length > 0) {
      const ids =
        rest.length === 1 && rest[0] === "--all"
          ? "all"
          : rest.map((id) => requireTransactionId(id));
      const retried = await store.retryParked(ids);
      process.stdout.write(
        `retried ${retried.length} withdrawal(s)\n${retried.map((id) => `${id}\n`).join("")}`,
      );
      if (ids !== "all") {
        const missed = ids.filter((id) => !retried.includes(id));
        if (missed.length > 0)
          process.stderr.write(`not parked (already settled or unknown): ${missed.join(", ")}\n`);
      }
      return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const cause =
      err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
    process.stderr.write(`parked: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
    process.exit(1);
  },
);
