import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server tests run against; the same default the services use. */
export const adminDatabaseUrl =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A short random suffix for database, stream and consumer names of one test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
  /**
   * Simulates the database going away: refuses new connections (superusers too) and ends the
   * existing ones. `true` lets connections in again.
   */
  setConnectionsAllowed(allowed: boolean): Promise<void>;
}

/** Creates an empty database on the real PostgreSQL; `drop()` removes it. */
export async function createTestDatabase(prefix = "wallet_test"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withAdminClient((client) => client.query(`create database "${name}"`));
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    setConnectionsAllowed: (allowed) =>
      withAdminClient(async (client) => {
        await client.query(`alter database "${name}" allow_connections ${allowed}`);
        if (!allowed) {
          await client.query(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
            [name],
          );
        }
      }),
    drop: () =>
      withAdminClient((client) =>
        client.query(`drop database if exists "${name}" with (force)`),
      ).then(() => undefined),
  };
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
