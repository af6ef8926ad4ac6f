/**
 * Every value arrives exactly, or the run fails: the real `extract postgres` CLI against embedded
 * PostgreSQL whose schema is the original task's (every column but the key nullable), with
 * hostile but legal rows: NULLs everywhere, the edges of ClickHouse's date range, numeric
 * columns widened between runs, and values ClickHouse cannot hold (9999-12-31, 0001-01-01,
 * infinity, NaN, Infinity, 1e40). The tests form one story and run in order.
 */
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canonical } from '../../../extractors/postgres/columns.js';
import { tempClickHousePath } from '../../support/clickhouse.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';
import { pullCollectionEnv, runCli, withClickHouse } from './helpers.js';
import { TABLES, type Table, TYPES } from './rows.js';

let postgres: TestPostgres;
let clickhousePath: string;

/** The original task's schema: only the keys are NOT NULL. */
const SCHEMA = `
  CREATE TABLE advertiser (id SERIAL PRIMARY KEY, name VARCHAR(255), updated_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT now());
  CREATE TABLE campaign (id SERIAL PRIMARY KEY, name VARCHAR(255), bid NUMERIC(10, 2),
    budget NUMERIC(12, 2), start_date DATE, end_date DATE, advertiser_id INT REFERENCES advertiser (id),
    updated_at TIMESTAMP, created_at TIMESTAMP DEFAULT now());
  CREATE TABLE impressions (id BIGSERIAL PRIMARY KEY, campaign_id INT, created_at TIMESTAMP);
  CREATE TABLE clicks (id BIGSERIAL PRIMARY KEY, campaign_id INT, created_at TIMESTAMP);
`;

/** Rows as text, NULL spelled `∅` so that it can never equal 0, '' or 1970-01-01. */
function normalise(table: Table, rows: Array<Record<string, unknown>>): string[] {
  return rows.map((row) =>
    TABLES[table]
      .map((column) => canonical(TYPES[column] ?? 'String', row[column] as string | null) ?? '∅')
      .join('|'),
  );
}

async function sql(text: string): Promise<Array<Record<string, string | null>>> {
  const client = new pg.Client({
    connectionString: postgres.url,
    types: { getTypeParser: () => (v: string) => v },
  });
  await client.connect();
  try {
    await client.query("SET DateStyle = 'ISO'");
    const result = await client.query(text);
    return (Array.isArray(result) ? result.at(-1) : result).rows;
  } finally {
    await client.end();
  }
}

const pgRows = async (table: Table) =>
  normalise(table, await sql(`SELECT ${TABLES[table].join(', ')} FROM ${table} ORDER BY id`));

const chSettings =
  'SETTINGS output_format_json_quote_64bit_integers = 1, output_format_json_quote_decimals = 1, output_format_decimal_trailing_zeros = 1';

async function clickhouseRows(table: Table): Promise<string[]> {
  return withClickHouse(clickhousePath, async (query) =>
    normalise(
      table,
      await query(
        `SELECT ${TABLES[table].join(', ')} FROM raw.postgres_${table} FINAL WHERE _deleted = 0 ORDER BY id ${chSettings}`,
      ),
    ),
  );
}

async function expectEqual(): Promise<void> {
  for (const table of Object.keys(TABLES) as Table[]) {
    expect(await clickhouseRows(table), table).toEqual(await pgRows(table));
  }
}

/** One raw cell as ClickHouse returns it (null for NULL). */
async function cell(table: Table, column: string, id: number): Promise<unknown> {
  const rows = await withClickHouse(clickhousePath, (query) =>
    query<Record<string, unknown>>(
      `SELECT ${column} AS v FROM raw.postgres_${table} FINAL WHERE id = ${id} ${chSettings}`,
    ),
  );
  return rows[0]?.v;
}

const physicalCounts = () =>
  withClickHouse(clickhousePath, (query) =>
    query<{ t: string; n: string }>(
      `SELECT 'advertiser' AS t, toString(count()) AS n FROM raw.postgres_advertiser
       UNION ALL SELECT 'campaign', toString(count()) FROM raw.postgres_campaign
       UNION ALL SELECT 'impressions', toString(count()) FROM raw.postgres_impressions
       UNION ALL SELECT 'clicks', toString(count()) FROM raw.postgres_clicks `,
    ),
  ).then((rows) => rows.sort((a, b) => a.t.localeCompare(b.t)));

const states = () => withClickHouse(clickhousePath, (_query, list) => list());

const rawType = async (table: Table, column: string) =>
  (
    await withClickHouse(clickhousePath, (query) =>
      query<{ type: string }>(
        `SELECT type FROM system.columns WHERE database = 'raw' AND table = 'postgres_${table}' AND name = '${column}'`,
      ),
    )
  )[0]?.type;

function extract(args: string[] = []) {
  return runCli('extractors/cli.ts', ['postgres', '--batch-size', '3', ...args], {
    PG_URL: postgres.url,
    CLICKHOUSE_PATH: clickhousePath,
    CLICKHOUSE_URL: undefined,
    ...pullCollectionEnv(postgres),
  });
}

/** ClickHouse's own pull, through the shipped named collection. */
const PULL = ['--transfer', 'clickhouse-pull', '--pull-collection', 'adtech_pg'];

/** A run that must fail with exit 2 naming table, column and value, leaving state and every
 *  loaded row as they were. */
async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const before = { states: await states(), counts: await physicalCounts() };
  const run = await extract(args);
  expect(run.exitCode, run.stderr).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toMatch(/cannot be represented in ClickHouse/);
  expect(await states()).toEqual(before.states);
  expect(await physicalCounts()).toEqual(before.counts);
}

beforeAll(async () => {
  postgres = await startPostgres();
  clickhousePath = await tempClickHousePath();
  await sql(SCHEMA);
  await sql(`
    INSERT INTO advertiser (name, updated_at, created_at) VALUES
      ('full', '2026-01-02 03:04:05.123456', '2026-01-01 00:00:00'),
      (NULL, NULL, NULL);
    INSERT INTO campaign (name, bid, budget, start_date, end_date, advertiser_id, updated_at, created_at) VALUES
      ('edges', 0.01, 9999999999.99, '1900-01-01', '2299-12-31', 1, NULL, '1900-01-01 00:00:00'),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    INSERT INTO impressions (campaign_id, created_at) VALUES
      (1, '2299-12-31 23:59:59.999999'), (NULL, NULL), (2, '1900-01-01 00:00:00'), (NULL, '2026-05-05 05:05:05.5');
    INSERT INTO clicks (campaign_id, created_at) VALUES (NULL, NULL), (1, '2026-05-05 05:05:06');
  `);
});

afterAll(async () => {
  await postgres?.stop();
  if (clickhousePath) await rm(clickhousePath, { recursive: true, force: true });
});

describe('every value exact, or the run fails', () => {
  test('NULLs stay NULL and the edges of the date range arrive exactly, in every path', async () => {
    const run = await extract(['--run-id', 'first']);
    expect(run.exitCode, run.stderr).toBe(0);
    await expectEqual();
    // Not 0, not 1970-01-01: NULL.
    expect(await cell('impressions', 'campaign_id', 2)).toBeNull();
    expect(await cell('impressions', 'created_at', 2)).toBeNull();
    expect(await cell('campaign', 'advertiser_id', 2)).toBeNull();
    expect(await cell('campaign', 'start_date', 2)).toBeNull();
    expect(await cell('advertiser', 'created_at', 2)).toBeNull();
    expect(await cell('campaign', 'start_date', 1)).toBe('1900-01-01');
    expect(await cell('campaign', 'end_date', 1)).toBe('2299-12-31');
    expect(await cell('impressions', 'created_at', 1)).toBe('2299-12-31 23:59:59.999999');
    expect(await cell('impressions', 'created_at', 3)).toBe('1900-01-01 00:00:00.000000');
    expect(await rawType('impressions', 'campaign_id')).toBe('Nullable(Int64)');

    // The same rows through ClickHouse's own pull.
    await sql(
      "INSERT INTO impressions (campaign_id, created_at) VALUES (NULL, NULL), (1, '2299-12-31 23:59:59.999999')",
    );
    const pulled = await extract([...PULL, '--run-id', 'pull']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    await expectEqual();
    expect(await cell('impressions', 'campaign_id', 5)).toBeNull();
    expect(await cell('impressions', 'created_at', 5)).toBeNull();
    expect(await cell('impressions', 'created_at', 6)).toBe('2299-12-31 23:59:59.999999');
  });

  test('rows once loaded compare equal: the next run writes nothing', async () => {
    const before = await physicalCounts();
    const run = await extract();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ok: 0 rows/);
    expect(await physicalCounts()).toEqual(before);
  });

  test('a numeric column widened in PostgreSQL widens the raw column, no digit lost', async () => {
    await sql(`
      -- 12345678901234567.8901 has 17 digits before the point: numeric(21, 4) at least.
      ALTER TABLE campaign ALTER COLUMN bid TYPE NUMERIC(20, 4), ALTER COLUMN budget TYPE NUMERIC(22, 4);
      UPDATE campaign SET bid = 1.2345, budget = 12345678901234567.8901 WHERE id = 1;
      INSERT INTO campaign (name, bid, budget) VALUES ('wide', -0.0001, -9999999999999999.9999);
    `);
    const run = await extract(['--run-id', 'widened']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /widening raw\.postgres_campaign\.bid from Nullable\(Decimal\(10, 2\)\) to Nullable\(Decimal\(20, 4\)\)/,
    );
    expect(await rawType('campaign', 'bid')).toBe('Nullable(Decimal(20, 4))');
    expect(await rawType('campaign', 'budget')).toBe('Nullable(Decimal(22, 4))');
    expect(await cell('campaign', 'bid', 1)).toBe('1.2345');
    expect(await cell('campaign', 'budget', 1)).toBe('12345678901234567.8901');
    expect(await cell('campaign', 'budget', 3)).toBe('-9999999999999999.9999');
    await expectEqual();
    const again = await extract();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/ok: 0 rows/);
    // The widened columns are what the streams accept: no warning that they differ.
    expect(again.stderr).not.toMatch(/"level":"warn"/);
  });

  test('unconstrained numeric: Decimal(76, 38), exact', async () => {
    await sql(`
      ALTER TABLE campaign ALTER COLUMN budget TYPE NUMERIC;
      UPDATE campaign SET budget = 0.00000000000000000000000000000000000001 WHERE id = 3;
    `);
    const run = await extract();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await rawType('campaign', 'budget')).toBe('Nullable(Decimal(76, 38))');
    expect(await cell('campaign', 'budget', 3)).toBe('0.00000000000000000000000000000000000001');
    expect(await cell('campaign', 'budget', 1)).toBe(
      '12345678901234567.89010000000000000000000000000000000000',
    );
    await expectEqual();
  });

  describe('a value ClickHouse cannot hold: exit 2 naming it, state and loaded rows untouched', () => {
    test.each([
      ['end_date', "'9999-12-31'", /public\.campaign\.end_date = '9999-12-31' \(id 2\)/],
      ['start_date', "'0001-01-01'", /public\.campaign\.start_date = '0001-01-01' \(id 2\)/],
      ['start_date', "'infinity'", /public\.campaign\.start_date = 'infinity' \(id 2\)/],
      ['created_at', "'-infinity'", /public\.campaign\.created_at = '-infinity' \(id 2\)/],
      ['bid', "'NaN'", /public\.campaign\.bid = 'NaN' \(id 2\)/],
      ['budget', "'Infinity'", /public\.campaign\.budget = 'Infinity' \(id 2\)/],
      ['budget', '1e40', /public\.campaign\.budget = '1\d{40}' \(id 2\)/],
      ['budget', '1e-39', /public\.campaign\.budget = '0\.0{38}1' \(id 2\)/],
    ])('campaign.%s = %s', async (column, value, message) => {
      await sql(`UPDATE campaign SET ${column} = ${value} WHERE id = 2`);
      await expectRefused(['--streams', 'campaign'], message);
      await sql(`UPDATE campaign SET ${column} = NULL WHERE id = 2`);
    });

    test.each([
      [[], "'9999-12-31 00:00:00'"],
      [PULL, "'0001-01-01 00:00:00'"],
      [[], "'infinity'"],
    ])('new impressions, transfer %j, created_at = %s', async (args, value) => {
      await sql(`INSERT INTO impressions (campaign_id, created_at) VALUES (1, ${value})`);
      const [row] = await sql(
        'SELECT id::text AS id, created_at::text AS v FROM impressions ORDER BY id DESC LIMIT 1',
      );
      await expectRefused(
        ['--streams', 'impressions', ...args],
        new RegExp(`public\\.impressions\\.created_at = '${row?.v}' \\(id ${row?.id}\\)`),
      );
      await sql(`DELETE FROM impressions WHERE id = ${row?.id}`);
    });

    test('a late row found below the watermark by reconciliation', async () => {
      // Two ids vanish and one comes back with an infinite time: the totals differ, the rows of
      // that id bucket are compared, and the returning row cannot be represented.
      await sql(`
        DELETE FROM impressions WHERE id IN (1, 2);
        INSERT INTO impressions (id, campaign_id, created_at) VALUES (1, 1, 'infinity');
      `);
      await expectRefused(
        ['--streams', 'impressions', '--full-check-hours', '0'],
        /public\.impressions\.created_at = 'infinity' \(id 1\)/,
      );
      // Back as it was (the id streams compare ids, not values: impressions are append-only).
      await sql("UPDATE impressions SET created_at = '2299-12-31 23:59:59.999999' WHERE id = 1");
      const fixed = await extract(['--streams', 'impressions', '--full-check-hours', '0']);
      expect(fixed.exitCode, fixed.stderr).toBe(0);
      expect(await clickhouseRows('impressions')).toEqual(await pgRows('impressions'));
    });
  });

  test('once the values are corrected, the run loads them and everything is equal', async () => {
    const run = await extract();
    expect(run.exitCode, run.stderr).toBe(0);
    await expectEqual();
  });
});
