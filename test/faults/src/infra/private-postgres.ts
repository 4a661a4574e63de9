/**
 * A PostgreSQL server of the suite's own, from the installed binaries, on its own port and data
 * directory. The shared server on 5432 belongs to everyone on the machine; this one the suite may
 * stop and restart at will (the outage scenario does) without disturbing anybody else.
 *
 * initdb and postgres refuse to run as root, so when the suite runs as root both are spawned with
 * the uid and gid of the `postgres` system user, and the data directory is chowned to it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
} from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort, sleep, waitFor } from "@wallet/test-kit";

export interface PrivatePostgres {
  readonly port: number;
  /** The `postgres` maintenance database, for creating and dropping the suite's database. */
  readonly adminUrl: string;
  urlFor(database: string): string;
  /** True while the server process runs. */
  running(): boolean;
  /** Fast shutdown (SIGINT): sessions are ended, committed work is kept. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good; the data directory goes with the suite's temporary directory. */
  close(): Promise<void>;
  /** Synchronous last resort for an exiting process. */
  killNow(): void;
}

const startTimeoutMs = 30_000;
const stopTimeoutMs = 15_000;

/** The newest installed server, for example /usr/lib/postgresql/15/bin; FAULTS_PG_BIN overrides it. */
export function findPostgresBin(): string {
  const override = process.env.FAULTS_PG_BIN;
  if (override) return override;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined)
    throw new Error(
      `no PostgreSQL server binaries under ${root}; install postgresql or set FAULTS_PG_BIN`,
    );
  return join(root, newest, "bin");
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Root cannot run the server, so it borrows the postgres user's identity; anyone else runs it as themselves. */
function serverIdentity(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const fields = line?.split(":");
  if (!fields || fields.length < 4)
    throw new Error("running as root, but there is no postgres user to run the server as");
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export async function startPrivatePostgres(workDir: string): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  const identity = serverIdentity();
  const dataDir = join(workDir, "pgdata");
  const socketDir = join(workDir, "pgsocket");
  mkdirSync(socketDir, { recursive: true });
  if (identity.uid !== undefined && identity.gid !== undefined) {
    chownSync(workDir, identity.uid, identity.gid);
    chownSync(socketDir, identity.uid, identity.gid);
  }
  const init = spawnSync(
    join(bin, "initdb"),
    ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
    { ...identity, encoding: "utf8", timeout: 120_000, cwd: workDir },
  );
  if (init.status !== 0)
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr}`);

  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const logPath = join(workDir, "postgres.log");
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (server) return;
    const log = openSync(logPath, "a");
    // fsync off: the suite kills processes, never the machine, and everything the server wrote
    // survives a process kill in the page cache. synchronous_commit stays on, so an acknowledged
    // commit is never lost by a fast shutdown.
    const child = spawn(
      join(bin, "postgres"),
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-k",
        socketDir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        "-c",
        "shared_buffers=64MB",
      ],
      { ...identity, cwd: workDir, stdio: ["ignore", log, log] },
    );
    closeSync(log);
    server = child;
    exited = new Promise((resolve) =>
      child.once("exit", () => {
        if (server === child) server = undefined;
        resolve();
      }),
    );
    await waitFor(
      "the private PostgreSQL to accept connections",
      async () => {
        if (!server) throw new Error(`postgres exited; see ${logPath}`);
        const client = new pg.Client({
          connectionString: adminUrl,
          connectionTimeoutMillis: 1_000,
        });
        try {
          await client.connect();
          await client.query("select 1");
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: startTimeoutMs, intervalMs: 100 },
    );
  }

  async function stop(): Promise<void> {
    const child = server;
    if (!child) return;
    child.kill("SIGINT");
    const stopped = await Promise.race([
      exited.then(() => true),
      sleep(stopTimeoutMs).then(() => false),
    ]);
    if (!stopped) {
      // Immediate shutdown: the server recovers from its WAL on the next start.
      child.kill("SIGQUIT");
      await exited;
    }
  }

  await start();
  return {
    port,
    adminUrl,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    running: () => server !== undefined,
    start,
    stop,
    close: stop,
    killNow: () => server?.kill("SIGQUIT"),
  };
}

/** Creates an empty database on the private server. */
export async function createDatabase(postgres: PrivatePostgres, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const client = new pg.Client({ connectionString: postgres.adminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  return postgres.urlFor(name);
}
