/**
 * Applies the drizzle-kit migrations under migrations/. Safe to run from several processes at
 * once (an advisory lock serialises them) and a no-op when everything is applied.
 */
import { resolve } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

/**
 * migrations/ at the repository root, from dist/db or src/db alike; MIGRATIONS_DIR overrides it
 * where the service runs outside the repository (the container image).
 */
export const migrationsFolder =
  process.env.MIGRATIONS_DIR ?? resolve(__dirname, "../../../../migrations");

const migrationLockId = 7_316_502_031;

export async function applyMigrations(databaseUrl: string): Promise<void> {
  await ensureDatabaseExists(databaseUrl);
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: "wallet-migrate",
  });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [migrationLockId]);
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}

/**
 * Creates the target database when it is missing, so a fresh PostgreSQL needs no manual step.
 * Connects to the server's `postgres` database to do it.
 */
async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name || name === "postgres") return;
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({
    connectionString: admin.toString(),
    application_name: "wallet-migrate",
  });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((err: unknown) => {
        // Another instance created it first.
        const code = (err as { code?: string }).code;
        if (code !== "42P04" && code !== "23505") throw err;
      });
    }
  } finally {
    await client.end();
  }
}
