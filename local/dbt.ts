/**
 * How real dbt (dbt-core + dbt-clickhouse from `python/dbt/requirements.lock`, in `.venvs/dbt`)
 * runs on this machine: against the ClickHouse server `CLICKHOUSE_URL` names (the stack's, or
 * `npm run clickhouse` over the embedded engine), with the project's own `dbt/profiles.yml`.
 * `npm run dbt`, the local DAG runner, the demo and the tests all build their dbt process here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonTool, pythonToolBin } from '../python/tools.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DBT_PROJECT_DIR = path.join(repoRoot, 'dbt');

export interface DbtProcess {
  file: string;
  args: string[];
  /** The complete environment of the dbt process. */
  env: Record<string, string>;
}

export interface DbtProcessOptions {
  /** Where dbt writes target/ and logs/ (default: dbt/target, dbt/logs). Tests give each run its own. */
  workDir?: string;
}

/** Thrown when there is no ClickHouse server for dbt to talk to. */
export class NoClickHouseServerError extends Error {}

/**
 * The profile (`dbt/profiles.yml`) reads host, port, user, password and TLS from the environment;
 * here they are derived from the extractors' `CLICKHOUSE_URL` so one variable names the warehouse.
 * Values set explicitly (`CLICKHOUSE_HOST`, …) win.
 */
export function dbtProfileEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const url = env.CLICKHOUSE_URL;
  // The stack's dbt container sets the profile's variables directly.
  if (!url && env.CLICKHOUSE_HOST) return {};
  if (!url) {
    throw new NoClickHouseServerError(
      'dbt needs a ClickHouse server: start the local one with `npm run local -- up` (or set CLICKHOUSE_URL)',
    );
  }
  let server: URL;
  try {
    server = new URL(url);
  } catch {
    throw new NoClickHouseServerError('CLICKHOUSE_URL is not a URL (value not shown)');
  }
  const secure = server.protocol === 'https:';
  const out: Record<string, string> = {
    CLICKHOUSE_HOST: env.CLICKHOUSE_HOST || server.hostname,
    CLICKHOUSE_PORT: env.CLICKHOUSE_PORT || server.port || (secure ? '8443' : '8123'),
    CLICKHOUSE_SECURE: env.CLICKHOUSE_SECURE || String(secure),
  };
  const user = env.CLICKHOUSE_USER || decodeURIComponent(server.username);
  const password = env.CLICKHOUSE_PASSWORD || decodeURIComponent(server.password);
  if (user) out.CLICKHOUSE_USER = user;
  if (password) out.CLICKHOUSE_PASSWORD = password;
  return out;
}

/** The dbt executable, arguments and environment for `dbt <args>`, installing dbt if needed. */
export async function dbtProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: DbtProcessOptions = {},
): Promise<DbtProcess> {
  const command = dbtCommand(args, env, options);
  await ensurePythonTool('dbt');
  return command;
}

/**
 * The same without installing: for planning, where `ensurePythonTool('dbt')` runs before the
 * process starts. Throws NoClickHouseServerError when `env` names no server.
 */
export function dbtCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: DbtProcessOptions = {},
): DbtProcess {
  const profile = dbtProfileEnv(env);
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value;
  const workDir = options.workDir;
  return {
    file: pythonToolBin('dbt', 'dbt'),
    args: [...args],
    env: {
      ...base,
      ...profile,
      DBT_PROJECT_DIR,
      DBT_PROFILES_DIR: DBT_PROJECT_DIR,
      ...(workDir
        ? {
            DBT_TARGET_PATH: path.join(workDir, 'target'),
            DBT_LOG_PATH: path.join(workDir, 'logs'),
          }
        : {}),
      // No network but the warehouse: dbt's anonymous usage events and version check stay off.
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      DO_NOT_TRACK: '1',
    },
  };
}
