/**
 * Helpers for the extractor tests: run the real CLIs as child processes (as Airflow runs the
 * image) and read ClickHouse between runs. chdb allows one process per data folder, so the test
 * opens the folder only while no CLI runs.
 */
import path from 'node:path';
import { execa } from 'execa';
import { StateStore, type StoredState } from '../../../extractors/core/state.js';
import { openClickHouse, queryRows } from '../../support/clickhouse.js';
import type { TestPostgres } from '../../support/postgres.js';
import { repoRoot as root } from '../../support/repo-root.js';

const tsx = path.join(root, 'node_modules/.bin/tsx');

export interface CliResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

export async function runCli(
  script: 'extractors/cli.ts' | 'generator/cli.ts',
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  // `undefined` unsets a variable (child_process would pass the string "undefined").
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) merged[key] = value;
  }
  const result = await execa(tsx, [path.join(root, script), ...args], {
    cwd: root,
    env: merged,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Runs `fn` against the ClickHouse folder, closing it afterwards so a CLI can open it. */
export async function withClickHouse<T>(
  folder: string,
  fn: (
    query: <R = Record<string, unknown>>(sql: string) => Promise<R[]>,
    states: () => Promise<StoredState[]>,
  ) => Promise<T>,
): Promise<T> {
  const clickhouse = await openClickHouse(folder);
  try {
    return await fn(
      (sql) => queryRows(clickhouse.client, sql),
      () => new StateStore(clickhouse.client).list(),
    );
  } finally {
    await clickhouse.close();
  }
}

/** JSON log records from a CLI's stderr. */
export function logRecords(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The shipped named-collection file (clickhouse/config.d/oltp-postgres.xml), which reads the
 *  connection from the environment. */
export const PULL_COLLECTION_FILE = path.join(root, 'clickhouse/config.d/oltp-postgres.xml');

/** Environment for `--transfer clickhouse-pull` on the embedded engine: the shipped collection
 *  file, with its variables pointing at the test database. */
export function pullCollectionEnv(postgres: TestPostgres): Record<string, string> {
  return {
    CLICKHOUSE_CONFIG_FILE: PULL_COLLECTION_FILE,
    OLTP_PG_HOST: postgres.host,
    OLTP_PG_PORT: String(postgres.port),
    OLTP_PG_DATABASE: postgres.database,
    OLTP_PG_USER: postgres.user,
    OLTP_PG_PASSWORD: postgres.password,
  };
}
