/**
 * Shared by the PostgreSQL extractor tests: what PostgreSQL holds and what ClickHouse shows
 * (FINAL, tombstones left out), both in one spelling per value, so a test compares them row for
 * row.
 */
import pg from 'pg';
import { canonical } from '../../../extractors/postgres/columns.js';
import { withClickHouse } from './helpers.js';

export const TABLES = {
  advertiser: ['id', 'name', 'updated_at', 'created_at'],
  campaign: [
    'id',
    'name',
    'bid',
    'budget',
    'start_date',
    'end_date',
    'advertiser_id',
    'updated_at',
    'created_at',
  ],
  impressions: ['id', 'campaign_id', 'created_at'],
  clicks: ['id', 'campaign_id', 'created_at'],
} as const;
export type Table = keyof typeof TABLES;

/** The comparison type of each column that needs one (String otherwise). */
export const TYPES: Record<string, string> = {
  bid: 'Decimal',
  budget: 'Decimal',
  updated_at: 'DateTime64',
  created_at: 'DateTime64',
};

export function normalise(table: Table, rows: Array<Record<string, unknown>>): string[] {
  return rows.map((row) =>
    TABLES[table]
      .map((column) => canonical(TYPES[column] ?? 'String', row[column] as string | null))
      .join('|'),
  );
}

export async function pgRows(url: string, table: Table): Promise<string[]> {
  const client = new pg.Client({
    connectionString: url,
    types: { getTypeParser: () => (v: string) => v },
  });
  await client.connect();
  try {
    await client.query("SET DateStyle = 'ISO'");
    const result = await client.query(
      `SELECT ${TABLES[table].join(', ')} FROM ${table} ORDER BY id`,
    );
    return normalise(table, result.rows);
  } finally {
    await client.end();
  }
}

const EXACT =
  'SETTINGS output_format_json_quote_64bit_integers = 1, output_format_json_quote_decimals = 1, output_format_decimal_trailing_zeros = 1';

/** Live rows of a table in ClickHouse (FINAL, `_deleted = 0`). */
export function clickhouseRows(folder: string, table: Table): Promise<string[]> {
  return finalRows(folder, table, 0);
}

/** Tombstoned rows of a table (FINAL, `_deleted = 1`), with their last known values. */
export function tombstones(folder: string, table: Table): Promise<string[]> {
  return finalRows(folder, table, 1);
}

async function finalRows(folder: string, table: Table, deleted: 0 | 1): Promise<string[]> {
  return withClickHouse(folder, async (query) =>
    normalise(
      table,
      await query(
        `SELECT ${TABLES[table].join(', ')} FROM raw.postgres_${table} FINAL WHERE _deleted = ${deleted} ORDER BY id ${EXACT}`,
      ),
    ),
  );
}

/** Runs SQL on the test database. */
export async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
