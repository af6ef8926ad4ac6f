/** Shared by the ad-platform tests: running `extract`, reading what it loaded, checking its logs. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { openClickHouse, queryRows, tempClickHousePath } from '../../support/clickhouse.js';

export { type CliRun, runCli, runCliProcess } from '../../support/cli.js';

/**
 * Retry and timeout flags that keep the fakes' injected failures and slow answers quick. The
 * request timeout sits between the fakes' slow answers (150 ms: must pass) and their hung ones
 * (2000 ms: must time out), with room for a busy two-core CI machine (500 ms was not).
 */
export const FAST_RETRIES = [
  '--retry-base-ms',
  '1',
  '--retry-max-ms',
  '5',
  '--request-timeout-ms',
  '1200',
];

/** `--since`/`--until` flags for a window (until exclusive). */
export const windowFlags = (since: string, until: string) => ['--since', since, '--until', until];

/** What one `extract <source>` run is asked for, beyond its group. */
export interface ExtractRun {
  /** `--since`/`--until` (until exclusive); none: the extractor's own window. */
  readonly window?: readonly [since: string, until: string];
  readonly lookbackDays?: number;
  readonly chunkDays?: number;
  readonly pageSize?: number;
  /** `--log-level debug`: the batch events `insertedBatches` reads. */
  readonly debug?: boolean;
  /** Any further flags, last. */
  readonly flags?: readonly string[];
}

/** The arguments of `extract <source> --group <group>` with the flags `run` asks for. */
export function extractArgs(source: string, group: string, run: ExtractRun = {}): string[] {
  const flag = (name: string, value: number | undefined) =>
    value === undefined ? [] : [name, String(value)];
  return [
    source,
    '--group',
    group,
    ...(run.window ? windowFlags(...run.window) : []),
    ...flag('--lookback-days', run.lookbackDays),
    ...flag('--chunk-days', run.chunkDays),
    ...flag('--page-size', run.pageSize),
    ...(run.debug ? ['--log-level', 'debug'] : []),
    ...(run.flags ?? []),
  ];
}

/** The structured (JSON) lines a run logged, parsed. */
export const logEvents = (stderr: string) =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Rows of each insert batch the debug log reports, for the batches `where` picks. */
export const insertedBatches = (
  stderr: string,
  where: (event: Record<string, unknown>) => boolean,
) =>
  logEvents(stderr)
    .filter((event) => where(event) && String(event.msg).startsWith('batch '))
    .map((event) => event.rows);

/** The `_extractor_state` value of a daily stream that has loaded every day through `date`. */
export const cursorState = (date: string) => `{"cursor":{"lastLoadedDate":"${date}"}}`;

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

/**
 * The Google fakes' token endpoint and OAuth credentials as environment variables named
 * `<prefix>_ID`, `<prefix>_SECRET` and `<prefix>_REFRESH`, as the accounts files name them.
 */
export function googleOAuthEnv(
  fakeUrl: string,
  prefix: string,
  credentials: { clientId: string; clientSecret: string; refreshToken: string },
): Record<string, string> {
  return {
    GOOGLE_OAUTH_TOKEN_URL: `${fakeUrl}/token`,
    [`${prefix}_ID`]: credentials.clientId,
    [`${prefix}_SECRET`]: credentials.clientSecret,
    [`${prefix}_REFRESH`]: credentials.refreshToken,
  };
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
  /** `extractArgs` for this file's source, followed by its quick retry and timeout flags. */
  args(group: string, run?: ExtractRun): string[];
  /** Each account's saved state for the source (of one stream, if named), in account order. */
  accountStates(stream?: string): Promise<{ account: string; state: string }[]>;
  /** Swaps this test's fake for one `start` makes (other data, or faults from the first request). */
  restartFake(start: () => Promise<Fake>): Promise<Fake>;
}

/**
 * Registers the set-up every ad-platform test file shares: the accounts file written once, then a
 * fresh fake and embedded ClickHouse folder before each test, the last fake closed at the end.
 */
export function useAdTestRun<Fake extends { readonly url: string; close(): Promise<void> }>(setup: {
  /** The `extract` subcommand, which is also the `source` of its state rows. */
  source: string;
  /** Flags every run of the file takes so that injected faults and slow answers stay quick. */
  fastFlags: readonly string[];
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
    args: (group, run = {}) =>
      extractArgs(setup.source, group, {
        ...run,
        flags: [...(run.flags ?? []), ...setup.fastFlags],
      }),
    accountStates: (stream) =>
      loadedRows(
        clickHousePath,
        `SELECT account, state FROM raw._extractor_state FINAL WHERE source = '${setup.source}'${
          stream === undefined ? '' : ` AND stream = '${stream}'`
        } ORDER BY account`,
      ),
    restartFake: async (start) => {
      await fake?.close();
      fake = await start();
      return fake;
    },
  };
}
