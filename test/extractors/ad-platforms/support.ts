/** Shared by the ad-platform tests: running `extract`, reading what it loaded, checking its logs. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { openClickHouse, queryRows } from '../../support/clickhouse.js';

export { type CliRun, runCli, runCliProcess } from '../../support/cli.js';

/** Retry and timeout flags that keep the fakes' injected failures and slow answers quick. */
export const FAST_RETRIES = [
  '--retry-base-ms',
  '1',
  '--retry-max-ms',
  '5',
  '--request-timeout-ms',
  '500',
];

/** `--since`/`--until` flags for a window (until exclusive). */
export const windowFlags = (since: string, until: string) => ['--since', since, '--until', until];

/**
 * Rows of `sql` in the embedded ClickHouse folder a run wrote. The folder is open only for the
 * query: chdb allows one owner at a time and the next run needs it.
 */
export async function loadedRows<Row = Record<string, unknown>>(
  clickHousePath: string,
  sql: string,
): Promise<Row[]> {
  const clickhouse = await openClickHouse(clickHousePath);
  try {
    return await queryRows<Row>(clickhouse.client, sql);
  } finally {
    await clickhouse.close();
  }
}

/** Writes `lines` as `ad-accounts.yaml` in a fresh temp folder and returns its path. */
export async function writeAccountsFile(prefix: string, lines: readonly string[]): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), prefix)), 'ad-accounts.yaml');
  await writeFile(file, [...lines, ''].join('\n'));
  return file;
}

/** The structured `retry` events a run logged. */
export const retryLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.includes('"event":"retry"'));

/** No credential, token or refresh token may reach a run's output. */
export function expectNoSecrets(output: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(output).not.toContain(secret);
}
