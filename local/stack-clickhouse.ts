/**
 * The local stack's ClickHouse: our HTTP server over the embedded engine (clickhouse-server/),
 * started as a detached process that outlives `npm run local -- up`, its output in a log file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, type ServiceState } from '../extractors/core/local-stack.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class StackError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const logTail = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
};

/**
 * Databases that exist before any client connects: the extract tasks name `raw` as their
 * connection's database (CLICKHOUSE_DATABASE), which a server refuses while it does not exist;
 * `analytics` as compose's CLICKHOUSE_DB makes it, for dashboards before dbt has run.
 */
const DATABASES = ['raw', 'analytics'];

async function sql(entry: ServiceState, query: string): Promise<string> {
  const res = await fetch(`${entry.url}/`, {
    method: 'POST',
    body: query,
    headers: { 'X-ClickHouse-User': entry.user, 'X-ClickHouse-Key': entry.password },
  });
  const body = (await res.text()).trim();
  if (!res.ok) throw new StackError(`ClickHouse on ${entry.url} refused ${query}: ${body}`);
  return body;
}

async function clickHouseAnswers(entry: ServiceState): Promise<boolean> {
  const ping = await fetch(`${entry.url}/ping`).then(
    (r) => r.text(),
    () => '',
  );
  if (ping.trim() !== 'Ok.') return false;
  const one = await sql(entry, 'SELECT 1');
  if (one !== '1') throw new StackError(`ClickHouse on ${entry.url} answered SELECT 1 with ${one}`);
  return true;
}

async function waitUntilAnswering(entry: ServiceState, child: ChildProcess, logFile: string) {
  // Loading the engine takes a few seconds; a cold first start can take longer.
  const deadline = Date.now() + 120_000;
  while (!(await clickHouseAnswers(entry))) {
    if (!isAlive(entry.pid) || child.exitCode !== null) {
      throw new StackError(
        `the ClickHouse server exited while starting; last lines of ${logFile}:\n${logTail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new StackError(`the ClickHouse server did not answer on ${entry.url} within 120 s`);
    }
    await sleep(200);
  }
}

/** The named collection `extract postgres --pull-collection adtech_pg` reads (the stack's own). */
const OLTP_COLLECTION_FILE = path.join(repoRoot, 'clickhouse/config.d/oltp-postgres.xml');

export interface OltpConnection {
  port: number;
  database: string;
  user: string;
  password: string;
}

/** Our HTTP server over the embedded engine, detached from us, its output in a log file. */
export async function startClickHouse(options: {
  port: number;
  user: string;
  password: string;
  dataDir: string;
  logFile: string;
  /** The local PostgreSQL, for the shipped named collection `adtech_pg` (ClickHouse pulling). */
  oltp: OltpConnection;
}): Promise<ServiceState> {
  const { port, logFile } = options;
  const entry: ServiceState = {
    pid: null,
    port,
    url: `http://127.0.0.1:${port}`,
    user: options.user,
    password: options.password,
  };
  const log = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLICKHOUSE_USER: entry.user,
    CLICKHOUSE_PASSWORD: entry.password,
    // Read by clickhouse/config.d/oltp-postgres.xml (from_env), as in the compose stack.
    OLTP_PG_HOST: '127.0.0.1',
    OLTP_PG_PORT: String(options.oltp.port),
    OLTP_PG_DATABASE: options.oltp.database,
    OLTP_PG_USER: options.oltp.user,
    OLTP_PG_PASSWORD: options.oltp.password,
  };
  delete env.CLICKHOUSE_URL;
  let child: ChildProcess;
  try {
    // node --import tsx rather than the tsx CLI, so the recorded pid is the server itself.
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'clickhouse-server/cli.ts'),
        ...['--host', '127.0.0.1', '--port', String(port), '--path', options.dataDir],
        ...['--config-file', OLTP_COLLECTION_FILE],
      ],
      { cwd: repoRoot, env, detached: true, stdio: ['ignore', log, log] },
    );
  } finally {
    fs.closeSync(log);
  }
  child.unref();
  entry.pid = child.pid ?? null;
  try {
    await waitUntilAnswering(entry, child, logFile);
    for (const database of DATABASES) await sql(entry, `CREATE DATABASE IF NOT EXISTS ${database}`);
  } catch (error) {
    // Not recorded yet: stop it rather than leave a server nobody knows about.
    await stopProcess(entry.pid, 5_000);
    throw error;
  }
  return entry;
}

/** SIGTERM (the server finishes the running query), then SIGKILL after a grace period.
 *  True when the process ended on its own. */
export async function stopProcess(pid: number | null, graceMs = 30_000): Promise<boolean> {
  if (!isAlive(pid) || pid === null) return true;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      graceMs = 0;
      break;
    }
    await sleep(100);
  }
  while (isAlive(pid)) await sleep(50);
  return graceMs > 0;
}
