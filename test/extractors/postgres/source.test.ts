/**
 * The PostgreSQL source end to end: the real `extract postgres` CLI against embedded PostgreSQL
 * and embedded ClickHouse, with the real generator making the data. The tests form one story and
 * run in order: initial load, incremental loads, no-op run, deletions, crash, bad configuration.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempClickHousePath } from '../../support/clickhouse.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';
import { logRecords, pullCollectionEnv, runCli, withClickHouse } from './helpers.js';
import {
  clickhouseRows as clickhouseRowsOf,
  pgRows as pgRowsOf,
  TABLES,
  type Table,
} from './rows.js';

let postgres: TestPostgres;
let clickhousePath: string;

const pgRows = (table: Table) => pgRowsOf(postgres.url, table);
const clickhouseRows = (table: Table) => clickhouseRowsOf(clickhousePath, table);

async function expectEqual(): Promise<void> {
  for (const table of Object.keys(TABLES) as Table[]) {
    const [source, warehouse] = [await pgRows(table), await clickhouseRows(table)];
    expect(warehouse.length, `${table} row count`).toBe(source.length);
    expect(warehouse, table).toEqual(source);
  }
}

/** Physical rows (before dedup) per raw table: a run that writes nothing leaves them equal. */
async function physicalCounts(): Promise<Record<string, string>> {
  return withClickHouse(clickhousePath, async (query) => {
    const rows = await query<{ table: string; n: string }>(
      `SELECT 'advertiser' AS table, toString(count()) AS n FROM raw.postgres_advertiser
       UNION ALL SELECT 'campaign', toString(count()) FROM raw.postgres_campaign
       UNION ALL SELECT 'impressions', toString(count()) FROM raw.postgres_impressions
       UNION ALL SELECT 'clicks', toString(count()) FROM raw.postgres_clicks`,
    );
    return Object.fromEntries(rows.map((r) => [r.table, r.n]));
  });
}

const states = () => withClickHouse(clickhousePath, (_query, list) => list());

/** The live rows' count and id sum a stream's state holds. */
async function liveInState(stream: string): Promise<unknown> {
  const saved = (await states()).find((state) => state.stream === stream);
  return (JSON.parse(saved?.state ?? '{}') as { live?: unknown }).live;
}

/** Count and id sum of the live rows of a raw table, as ClickHouse deduplicates them. */
async function liveInClickHouse(stream: string): Promise<unknown> {
  const [totals] = await withClickHouse(clickhousePath, (query) =>
    query<{ count: string; sum: string }>(
      `SELECT toString(count()) AS count, toString(sum(id)) AS sum FROM raw.postgres_${stream} FINAL WHERE _deleted = 0`,
    ),
  );
  return totals;
}

function extract(args: string[] = [], env: Record<string, string | undefined> = {}) {
  return runCli('extractors/cli.ts', ['postgres', '--batch-size', '700', ...args], {
    PG_URL: postgres.url,
    CLICKHOUSE_PATH: clickhousePath,
    CLICKHOUSE_URL: undefined,
    ...env,
  });
}

/** Which old ids each id stream compared (from its debug log). */
function checks(stderr: string): Record<string, unknown> {
  return Object.fromEntries(
    logRecords(stderr)
      .filter((record) => record.check !== undefined)
      .map((record) => [record.stream, record.check]),
  );
}

function generate(...args: string[]) {
  return runCli('generator/cli.ts', [...args, '--seed', '7'], { PG_URL: postgres.url });
}

async function mustGenerate(...args: string[]) {
  const result = await generate(...args);
  expect(result.exitCode, result.stderr).toBe(0);
}

beforeAll(async () => {
  postgres = await startPostgres();
  clickhousePath = await tempClickHousePath();
  await mustGenerate('init');
  await mustGenerate(
    'batch',
    '--advertisers',
    '3',
    '--campaigns',
    '2',
    '--impressions',
    '500',
    '--ctr',
    '0.1',
  );
});

afterAll(async () => {
  await postgres?.stop();
  if (clickhousePath) await rm(clickhousePath, { recursive: true, force: true });
});

describe('extract postgres', () => {
  test('initial load: every table in ClickHouse equals PostgreSQL row for row', async () => {
    const run = await extract(['--run-id', 'run-1']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/extract postgres ok: .* rows/);
    await expectEqual();
    const impressions = await clickhouseRows('impressions');
    expect(impressions.length).toBe(3000);
    const saved = await states();
    // The id streams keep what ClickHouse holds (count and id sum of live rows) and the table's
    // deletion marks, so later runs need not scan either side to find deletions.
    const checked = { deleted: '0', filenode: expect.any(String), at: expect.any(String) };
    expect(saved.map((s) => [s.stream, JSON.parse(s.state)])).toEqual([
      ['clicks', { lastId: expect.any(String), live: expect.any(Object), checked }],
      ['impressions', { lastId: '3000', live: { count: '3000', sum: '4501500' }, checked }],
    ]);
    const meta = await withClickHouse(clickhousePath, (query) =>
      query<{ run: string; version: string }>(
        'SELECT DISTINCT _run_id AS run, toString(_version > 0) AS version FROM raw.postgres_impressions',
      ),
    );
    expect(meta).toEqual([{ run: 'run-1', version: '1' }]);
  });

  test('incremental: back-dated impressions, clicks, new and changed dimensions arrive', async () => {
    await mustGenerate('impressions', '--campaign-id', '1', '--count', '1234');
    await mustGenerate('clicks', '--campaign-id', '1', '--ratio', '0.2');
    await mustGenerate('advertisers', '--count', '2');
    await mustGenerate('campaigns', '--advertiser-id', '4', '--count', '1');
    const client = postgres.client();
    await client.connect();
    await client.query(
      "UPDATE campaign SET bid = 9.99, name = 'renamed', updated_at = now() WHERE id = 2",
    );
    // The back-dating trap: new rows whose created_at is older than rows already loaded.
    const backDated = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM impressions WHERE id > 3000 AND created_at < (SELECT max(created_at) FROM impressions WHERE id <= 3000)',
    );
    await client.end();
    expect(Number(backDated.rows[0]?.n)).toBeGreaterThan(0);

    const run = await extract(['--run-id', 'run-2']);
    expect(run.exitCode, run.stderr).toBe(0);
    await expectEqual();
    // Only the changed campaign and the new one were written again, not the whole table.
    const written = await withClickHouse(clickhousePath, (query) =>
      query<{ id: string }>(
        "SELECT toString(id) AS id FROM raw.postgres_campaign WHERE _run_id = 'run-2' ORDER BY id",
      ),
    );
    expect(written.map((r) => r.id)).toEqual(['2', '7']);
  });

  test('a second run with no changes writes nothing and changes no state', async () => {
    const before = { counts: await physicalCounts(), states: await states() };
    const run = await extract(['--run-id', 'run-3', '--log-level', 'debug']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ok: 0 rows/);
    // Nothing was deleted and no writer was active: no old id is compared on either side.
    expect(checks(run.stderr)).toEqual({ impressions: 'none', clicks: 'none' });
    expect(run.stderr).not.toMatch(/checked against PostgreSQL/);
    expect(await physicalCounts()).toEqual(before.counts);
    expect(await states()).toEqual(before.states);
  });

  test('connects through the standard PG* variables when PG_URL is unset', async () => {
    const run = await extract([], {
      PG_URL: undefined,
      PGHOST: '127.0.0.1',
      PGPORT: String(postgres.port),
      PGUSER: postgres.user,
      PGPASSWORD: postgres.password,
      PGDATABASE: postgres.database,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ok: 0 rows/);
  });

  test('deletions in PostgreSQL (generate reset, one impression deleted mid-range) become tombstones', async () => {
    const liveBefore = (await clickhouseRows('impressions')).length;
    const refused = await generate('reset');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    await mustGenerate('reset', '--yes');
    const run = await extract(['--run-id', 'run-4']);
    expect(run.exitCode, run.stderr).toBe(0);
    await expectEqual();
    const tombstones = await withClickHouse(clickhousePath, (query) =>
      query<{ n: string; run: string }>(
        'SELECT toString(count()) AS n, any(_run_id) AS run FROM raw.postgres_impressions FINAL WHERE _deleted = 1',
      ),
    );
    // History is kept: the rows are still there, marked deleted by the run that saw it.
    expect(tombstones).toEqual([{ n: String(liveBefore), run: 'run-4' }]);

    // Traffic resumes with higher ids; a row deleted in the middle is noticed as well.
    await mustGenerate(
      'batch',
      '--advertisers',
      '1',
      '--campaigns',
      '2',
      '--impressions',
      '300',
      '--ctr',
      '0.05',
    );
    expect((await extract()).exitCode).toBe(0);
    const client = postgres.client();
    await client.connect();
    const victim = await client.query<{ id: string }>(
      'SELECT id::text FROM impressions ORDER BY id OFFSET 10 LIMIT 1',
    );
    await client.query('DELETE FROM impressions WHERE id = $1', [victim.rows[0]?.id]);
    await client.end();
    const afterDelete = await extract(['--log-level', 'debug']);
    expect(afterDelete.exitCode, afterDelete.stderr).toBe(0);
    // The deletion counter moved: all old ids of that table are compared, not the other's.
    expect(checks(afterDelete.stderr)).toEqual({ impressions: 'full', clicks: 'none' });
    // ClickHouse's side of that comparison comes from the state: no scan of the raw table.
    expect(afterDelete.stderr).toMatch(/impressions: ids id > 0 AND id <= \d+ checked against/);
    expect(afterDelete.stderr).not.toMatch(/checked against PostgreSQL[^\n]*"clickhouse_ms"/);
    await expectEqual();
  });

  test('a crash between insert and state update loses nothing and duplicates nothing', async () => {
    await mustGenerate('impressions', '--campaign-id', '8', '--count', '2000');
    const before = await states();
    const crashed = await extract(['--run-id', 'crash'], {
      EXTRACT_CRASH_AFTER_INSERT: 'impressions',
    });
    // tsx relays the killed child as exit status 128 + 9.
    expect(crashed.signal === 'SIGKILL' || crashed.exitCode === 137, crashed.stderr).toBe(true);
    expect(crashed.stdout).not.toMatch(/extract postgres/);
    // The batch is in ClickHouse, but the state did not move past it.
    const crashRows = await withClickHouse(clickhousePath, (query) =>
      query<{ n: string }>(
        "SELECT toString(count()) AS n FROM raw.postgres_impressions WHERE _run_id = 'crash'",
      ),
    );
    expect(crashRows).toEqual([{ n: '700' }]);
    expect(await states()).toEqual(before);
    const rerun = await extract(['--run-id', 'after-crash']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    await expectEqual();
    const duplicates = await withClickHouse(clickhousePath, (query) =>
      query<{ rows: string; ids: string }>(
        'SELECT toString(count()) AS rows, toString(uniqExact(id)) AS ids FROM raw.postgres_impressions FINAL',
      ),
    );
    expect(duplicates[0]?.rows).toBe(duplicates[0]?.ids);
  });

  test('a row committed late below the watermark is loaded once its transaction has ended', async () => {
    const slow = postgres.client();
    const fast = postgres.client();
    await slow.connect();
    await fast.connect();
    try {
      await slow.query('BEGIN');
      const late = await slow.query<{ id: string }>(
        'INSERT INTO impressions (campaign_id, created_at) VALUES (8, now()) RETURNING id::text',
      );
      await fast.query('INSERT INTO impressions (campaign_id, created_at) VALUES (8, now())');
      const first = await extract(['--log-level', 'debug']);
      expect(first.exitCode, first.stderr).toBe(0);
      const lateId = late.rows[0]?.id as string;
      const waiting = (await states()).find((s) => s.stream === 'impressions');
      // The watermark passed the uncommitted id; the writer is remembered.
      expect(BigInt(JSON.parse(waiting?.state ?? '{}').lastId)).toBeGreaterThan(BigInt(lateId));
      expect(JSON.parse(waiting?.state ?? '{}').pending).toMatchObject({
        writers: [expect.any(String)],
      });
      // Still open: nothing to check yet, and the range stays pending.
      const meanwhile = await extract(['--log-level', 'debug']);
      expect(checks(meanwhile.stderr).impressions).toBe('none');
      await slow.query('COMMIT');
    } finally {
      await slow.end();
      await fast.end();
    }
    const settled = await extract(['--log-level', 'debug']);
    expect(settled.exitCode, settled.stderr).toBe(0);
    expect(checks(settled.stderr).impressions).toBe('pending');
    await expectEqual();
    const impressions = (await states()).find((s) => s.stream === 'impressions');
    expect(JSON.parse(impressions?.state ?? '{}').pending).toBeUndefined();
  });

  test('--full-check-hours 0 compares all old ids on every run', async () => {
    const run = await extract(['--full-check-hours', '0', '--log-level', 'debug']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(checks(run.stderr)).toEqual({ impressions: 'full', clicks: 'full' });
    // A due check counts ClickHouse as well (warehouse-side drift shows too).
    expect(run.stderr).toMatch(
      /impressions: ids id > 0 AND id <= \d+ checked against PostgreSQL.*"clickhouse_ms"/,
    );
    expect(run.stdout).toMatch(/ok: 0 rows/);
  });

  test('--transfer clickhouse-pull: ClickHouse reads new ids itself through a named collection, same result', async () => {
    await mustGenerate('impressions', '--campaign-id', '9', '--count', '1500');
    await mustGenerate('clicks', '--campaign-id', '9', '--ratio', '0.3');
    const before = await states();
    const pullEnv = pullCollectionEnv(postgres);
    const pull = ['--transfer', 'clickhouse-pull', '--pull-collection', 'adtech_pg'];
    // Without a collection: a usage error naming the flag.
    const noCollection = await extract(['--transfer', 'clickhouse-pull']);
    expect(noCollection.exitCode).toBe(2);
    expect(noCollection.stderr).toMatch(/--transfer: needs --pull-collection/);
    // A collection ClickHouse does not have: exit 2 naming it, state untouched.
    const unknown = await extract(['--transfer', 'clickhouse-pull', '--pull-collection', 'nope']);
    expect(unknown.exitCode, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/--pull-collection nope: ClickHouse has no named collection/);
    expect(await states()).toEqual(before);
    // A collection reading another database (same server, empty copy of the schema): exit 2.
    const otherUrl = await postgres.createDatabase('pull_other');
    const other = await runCli('generator/cli.ts', ['init'], { PG_URL: otherUrl });
    expect(other.exitCode, other.stderr).toBe(0);
    const elsewhere = await extract(pull, { ...pullEnv, OLTP_PG_DATABASE: 'pull_other' });
    expect(elsewhere.exitCode, elsewhere.stderr).toBe(2);
    expect(elsewhere.stderr).toMatch(
      /reads a different database through it: id \d+ of public\.impressions/,
    );
    expect(await states()).toEqual(before);
    // A PostgreSQL ClickHouse cannot reach: runtime failure, state untouched, no password shown.
    const unreachable = await extract(pull, { ...pullEnv, OLTP_PG_PORT: '1' });
    expect(unreachable.exitCode, unreachable.stderr).toBe(1);
    expect(unreachable.stderr).not.toContain(postgres.password);
    expect(await states()).toEqual(before);

    // A pull killed after its insert, before its state: its rows stay above the watermark.
    const crashed = await extract(['--pull-collection', 'adtech_pg', '--run-id', 'pull-crash'], {
      ...pullEnv,
      EXTRACT_CRASH_AFTER_INSERT: 'impressions',
    });
    expect(crashed.signal === 'SIGKILL' || crashed.exitCode === 137, crashed.stderr).toBe(true);
    expect(await states()).toEqual(before);

    // The default transfer pulls once a collection is named.
    const run = await extract(['--pull-collection', 'adtech_pg', '--run-id', 'pull'], pullEnv);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toContain(postgres.password);
    await expectEqual();
    // What the state says is live is what ClickHouse holds live: the range the crashed run had
    // filled was counted under FINAL, not as one insert's rows.
    expect(await liveInState('impressions')).toEqual(await liveInClickHouse('impressions'));
    const pulled = await withClickHouse(clickhousePath, (query) =>
      query<{ n: string }>(
        "SELECT toString(count()) AS n FROM raw.postgres_impressions WHERE _run_id = 'pull'",
      ),
    );
    expect(pulled).toEqual([{ n: '1500' }]);
    expect(run.stdout).toMatch(/ok: [\d,]+ rows/);
    expect(run.stdout).not.toMatch(/ok: 0 rows/);

    // Nothing above the watermark this time: the new range is counted as the insert's rows.
    await mustGenerate('impressions', '--campaign-id', '9', '--count', '700');
    const next = await extract(['--pull-collection', 'adtech_pg', '--run-id', 'pull-2'], pullEnv);
    expect(next.exitCode, next.stderr).toBe(0);
    await expectEqual();
    expect(await liveInState('impressions')).toEqual(await liveInClickHouse('impressions'));
  });

  describe('bad configuration: clear message, right exit code, state untouched', () => {
    test('unreachable host → exit 1', async () => {
      const before = await states();
      const run = await extract([], { PG_URL: 'postgresql://postgres:pw@127.0.0.1:1/adtech' });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/host unreachable \(ECONNREFUSED\)/);
      expect(await states()).toEqual(before);
    });

    test('wrong password → exit 2, and the password never reaches the log', async () => {
      const before = await states();
      const url = `postgresql://postgres:Wr0ngSecret!@127.0.0.1:${postgres.port}/adtech`;
      const run = await extract([], { PG_URL: url });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/authentication failed \(28P01\)/);
      expect(run.stderr + run.stdout).not.toContain('Wr0ngSecret');
      expect(await states()).toEqual(before);
    });

    test('missing table and missing column → exit 2 naming them', async () => {
      const client = postgres.client();
      await client.connect();
      await client.query('CREATE SCHEMA broken');
      await client.query(
        'CREATE TABLE broken.advertiser (id int, name text, created_at timestamp)',
      );
      await client.end();
      const before = await states();
      const run = await extract(['--schema', 'broken', '--streams', 'advertiser,clicks']);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        /table broken\.advertiser in PostgreSQL .* lacks column\(s\): updated_at/,
      );
      expect(run.stderr).toMatch(/table broken\.clicks does not exist/);
      const failed = logRecords(run.stderr).filter((r) => r.event === 'stream_failed');
      expect(failed.map((r) => r.stream)).toEqual(['advertiser', 'clicks']);
      expect(await states()).toEqual(before);
    });
  });
});
