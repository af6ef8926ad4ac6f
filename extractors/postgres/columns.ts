import { quoteIdent, type TextRow } from './client.js';

/**
 * The one column list of each PostgreSQL table, name → ClickHouse type. It drives everything
 * that names columns: the raw table's DDL, the PostgreSQL SELECT and COPY queries, ClickHouse's
 * own pull through postgresql(), and the value comparison of the snapshot diff. Add a column
 * here and every path reads it.
 */

const TIMESTAMP_PRECISION = 6;
const TIMESTAMP = `DateTime64(${TIMESTAMP_PRECISION}, 'UTC')`;

/** Name → ClickHouse type; the last column, `_deleted`, exists only in ClickHouse. */
export type Columns = Readonly<Record<string, string>>;

/** A row as written to ClickHouse: PostgreSQL's text values plus `_deleted`. */
export type OutRow = Record<string, string | number | null>;

/** Tombstone marker: 1 for a row gone from PostgreSQL (see streams.ts). */
const DELETED = '_deleted';

/** What a new raw table is made with, and the least a raw column is widened to: every column
 *  but the key Nullable, as the original schema leaves them nullable (a NULL is never a 0 or
 *  1970-01-01). The source's catalog may ask for wider types (`raw-types.ts`). */
const N = (type: string) => `Nullable(${type})`;

export const ADVERTISER_COLUMNS: Columns = {
  id: 'Int64',
  name: N('String'),
  updated_at: N(TIMESTAMP),
  created_at: N(TIMESTAMP),
  [DELETED]: 'UInt8',
};

export const CAMPAIGN_COLUMNS: Columns = {
  id: 'Int64',
  name: N('String'),
  bid: N('Decimal(10, 2)'),
  budget: N('Decimal(12, 2)'),
  start_date: N('Date32'),
  end_date: N('Date32'),
  advertiser_id: N('Int64'),
  updated_at: N(TIMESTAMP),
  created_at: N(TIMESTAMP),
  [DELETED]: 'UInt8',
};

/** impressions and clicks. Their COPY batches pass through a stage table of exactly these
 *  types (embedded engine), so these are final: no source type needs wider ones. */
export const EVENT_COLUMNS: Columns = {
  id: 'Int64',
  campaign_id: N('Int64'),
  created_at: N(TIMESTAMP),
  [DELETED]: 'UInt8',
};

/** The columns PostgreSQL has (all but `_deleted`), in table order. */
export function sourceColumns(columns: Columns): string[] {
  return Object.keys(columns).filter((column) => column !== DELETED);
}

/** PostgreSQL select list of the source columns: `"id", "name", …`. */
export function postgresSelectList(columns: Columns): string {
  return sourceColumns(columns).map(quoteIdent).join(', ');
}

/** PostgreSQL select list of a whole ClickHouse row, `_deleted` as 0: what COPY sends, in the
 *  raw table's column order (TabSeparated is positional). */
export function copySelectList(columns: Columns): string {
  return Object.keys(columns)
    .map((column) => (column === DELETED ? '0' : quoteIdent(column)))
    .join(', ');
}

/** ClickHouse select list of a whole row read through postgresql(), `_deleted` as 0. Timestamps
 *  keep their wall-clock digits because the insert reads them in UTC (PULL_SETTINGS), so the
 *  server's own time zone cannot shift them, with no per-row conversion. */
export function pullSelectList(columns: Columns): string {
  return Object.keys(columns)
    .map((column) => (column === DELETED ? 'toUInt8(0)' : column))
    .join(', ');
}

/** The settings of every insert that reads PostgreSQL through postgresql(): `timestamp`
 *  (without time zone) text is read as UTC, the raw columns' zone; and no merge of each block
 *  as it is written (`optimize_on_insert`): the ids of one pull are unique (PostgreSQL's key),
 *  so that merge finds nothing to replace, and it cost 12 % of the pull (measured at 1 M rows:
 *  0.85 s without it, 1.00 s with it, median of 4). Readers use FINAL either way. */
export const PULL_SETTINGS = { session_timezone: 'UTC', optimize_on_insert: 0 } as const;

/** One spelling per value, so PostgreSQL text and ClickHouse text compare equal. */
export function canonical(type: string, value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (type.includes('DateTime64')) {
    const [whole, fraction = ''] = text.replace('T', ' ').replace(/Z$/, '').split('.');
    return `${whole}.${fraction.padEnd(TIMESTAMP_PRECISION, '0').slice(0, TIMESTAMP_PRECISION)}`;
  }
  if (type.includes('Decimal')) {
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }
  return text;
}

/** Whether two rows hold the same values in every source column. */
export function sameRow(columns: Columns, a: TextRow, b: TextRow): boolean {
  return sourceColumns(columns).every(
    (column) =>
      canonical(columns[column] as string, a[column]) ===
      canonical(columns[column] as string, b[column]),
  );
}
