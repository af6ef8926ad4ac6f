/** Shared by the ad-platform tests: running `extract`, reading what it loaded, checking its logs. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { openClickHouse, queryRows, tempClickHousePath } from '../../support/clickhouse.js';

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

/** What an ad-platform test file runs against: its API fake, accounts file and ClickHouse folder. */
export interface AdTestRun<Fake> {
  /** This test's fake (a fresh one per test, so queued faults never leak into the next). */
  readonly fake: Fake;
  readonly accountsFile: string;
  readonly clickHousePath: string;
  /** The environment `extract` runs with: the folder, the accounts file, the fake's variables. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  loaded<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  /** Swaps this test's fake for one `start` makes (other data, or faults from the first request). */
  restartFake(start: () => Promise<Fake>): Promise<Fake>;
}

/**
 * Registers the set-up every ad-platform test file shares: the accounts file written once, then a
 * fresh fake and embedded ClickHouse folder before each test, the last fake closed at the end.
 */
export function useAdTestRun<Fake extends { readonly url: string; close(): Promise<void> }>(setup: {
  accountsPrefix: string;
  accounts: readonly string[];
  startFake: () => Promise<Fake>;
  /** The fake's URL and credential variables, as the accounts file names them. */
  fakeEnv: (fake: Fake) => Record<string, string>;
}): AdTestRun<Fake> {
  let fake: Fake | undefined;
  let accountsFile = '';
  let clickHousePath = '';
  beforeAll(async () => {
    accountsFile = await writeAccountsFile(setup.accountsPrefix, setup.accounts);
  });
  beforeEach(async () => {
    await fake?.close();
    fake = await setup.startFake();
    clickHousePath = await tempClickHousePath();
  });
  afterAll(async () => {
    await fake?.close();
  });
  const current = (): Fake => {
    if (fake === undefined) throw new Error('the ad fake starts before each test');
    return fake;
  };
  return {
    get fake() {
      return current();
    },
    get accountsFile() {
      return accountsFile;
    },
    get clickHousePath() {
      return clickHousePath;
    },
    env: (extra = {}) => ({
      CLICKHOUSE_PATH: clickHousePath,
      ADS_ACCOUNTS_FILE: accountsFile,
      ...setup.fakeEnv(current()),
      ...extra,
    }),
    loaded: (sql) => loadedRows(clickHousePath, sql),
    restartFake: async (start) => {
      await fake?.close();
      fake = await start();
      return fake;
    },
  };
}
