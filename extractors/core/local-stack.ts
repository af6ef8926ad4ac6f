/**
 * Discovery of the no-Docker local stack that `npm run local -- up` starts (local/stack.ts):
 * embedded PostgreSQL and our ClickHouse HTTP server, recorded in `<data dir>/local/stack.json`.
 *
 * Lives here, not in local/, because the extractor and generator CLIs call it and the extractor
 * image compiles only extractors/ and generator/. It must stay dependency-free (fs, a pid check):
 * every extractor run reads it.
 *
 * The rule: a setting the environment names wins; only what it leaves open is filled in, and
 * only from a server whose process is alive. In a container there is no state file, so nothing
 * changes there.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ServiceState {
  /** Process id of the running server; null once stopped. */
  pid: number | null;
  port: number;
  /** Connection URL; for PostgreSQL it carries the password (keep it out of logs). */
  url: string;
  user: string;
  password: string;
}

export interface LocalStackState {
  version: 1;
  postgres?: ServiceState & { database: string };
  clickhouse?: ServiceState;
}

/** `.data` (or ADTECH_DATA_DIR), resolved against the working directory like CLICKHOUSE_PATH. */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ADTECH_DATA_DIR || '.data');
}

export function stackStatePath(dataDir: string): string {
  return path.join(dataDir, 'local', 'stack.json');
}

/** The recorded state, or null when there is none or it is unreadable (never throws). */
export function readStackState(dataDir: string): LocalStackState | null {
  try {
    const state = JSON.parse(fs.readFileSync(stackStatePath(dataDir), 'utf8')) as LocalStackState;
    return state?.version === 1 ? state : null;
  } catch {
    return null;
  }
}

/** Whether a process with this id runs. EPERM means it exists but belongs to another user
 *  (PostgreSQL runs as `postgres` when we are root). */
export function isAlive(pid: number | null | undefined): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** A stopped daemon stays a zombie until its parent (often init) reaps it, and signal 0 still
 *  reaches a zombie; on Linux /proc says which it is. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * Environment additions that point at the running local stack: PG_URL when neither PG_URL nor
 * PGHOST is set, CLICKHOUSE_URL/USER/PASSWORD when neither CLICKHOUSE_URL nor CLICKHOUSE_PATH
 * (an explicit embedded folder) is set. `ADTECH_LOCAL_STACK=off` turns discovery off.
 */
export function localStackEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (/^(off|0|false|no)$/i.test(env.ADTECH_LOCAL_STACK ?? '')) return {};
  const wantsPostgres = !env.PG_URL && !env.PGHOST;
  const wantsClickHouse = !env.CLICKHOUSE_URL && !env.CLICKHOUSE_PATH;
  if (!wantsPostgres && !wantsClickHouse) return {};
  const state = readStackState(localDataDir(env));
  const found: Record<string, string> = {};
  const { postgres, clickhouse } = state ?? {};
  if (wantsPostgres && postgres && isAlive(postgres.pid)) found.PG_URL = postgres.url;
  if (wantsClickHouse && clickhouse && isAlive(clickhouse.pid)) {
    found.CLICKHOUSE_URL = clickhouse.url;
    found.CLICKHOUSE_USER = clickhouse.user;
    found.CLICKHOUSE_PASSWORD = clickhouse.password;
  }
  return found;
}

/** `env` with the local stack filled in where it is silent. */
export function withLocalStack(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const found = localStackEnv(env);
  return Object.keys(found).length === 0 ? env : { ...env, ...found };
}
