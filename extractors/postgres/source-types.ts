import type pg from 'pg';
import { ConfigError } from '../core/errors.js';
import { describeTarget, queryText, quoteIdent } from './client.js';

/**
 * The source's real column types, read from PostgreSQL's catalog, and the ClickHouse type that
 * holds every value each of them can hold (pure mapping + one catalog query):
 * - smallint, integer, bigint → Int64;
 * - numeric(p, s) → Decimal(p, s) (exact); unconstrained numeric → Decimal(76, 38) (the widest
 *   ClickHouse has: 38 digits on either side of the point); NaN and ±Infinity have no Decimal;
 * - date → Date32, timestamp → DateTime64(6, 'UTC'): ClickHouse holds 1900-01-01 to 2299-12-31
 *   only, so dates outside (and ±infinity) cannot be represented;
 * - text, varchar, char → String;
 * - a column PostgreSQL lets be NULL → Nullable(…), except the key `id` (a NULL id is refused).
 * Each column also gets a SQL predicate, true for a value ClickHouse cannot hold exactly: the
 * run checks it in PostgreSQL before it writes anything (value-check.ts) and fails instead of
 * letting ClickHouse clamp or round the value.
 */

export const UNCONSTRAINED_NUMERIC = { precision: 76, scale: 38 } as const;
/** ClickHouse's Date32 and DateTime64 range. */
export const FIRST_DAY = '1900-01-01';
export const LAST_DAY = '2299-12-31';
const TIMESTAMP = "DateTime64(6, 'UTC')";
const DECIMAL_MAX_PRECISION = 76;

export interface SourceColumn {
  name: string;
  /** PostgreSQL's spelling, e.g. `numeric(20,4)`. */
  pgType: string;
  /** The ClickHouse type that holds every value of the column (Nullable when nullable). */
  clickhouse: string;
  /** SQL over the column, true when a value cannot be represented (null: every value can). */
  unrepresentable: string | null;
  /** The same rule over the value as PostgreSQL's text (CDC mode checks decoded changes). */
  rejectsText: ((text: string) => boolean) | null;
  /** What ClickHouse can hold, for the error message. */
  holds: string;
}

interface CatalogRow {
  name: string;
  type: string;
  base: string;
  nullable: boolean;
  precision: number | null;
  scale: number | null;
}

/**
 * The expected columns of schema.table as PostgreSQL declares them. ConfigError (exit 2) naming
 * what is missing when the table or a column does not exist, or when a column has a type this
 * extractor cannot map.
 */
export async function sourceColumnTypes(
  client: pg.Client,
  schema: string,
  table: string,
  expected: readonly string[],
): Promise<SourceColumn[]> {
  // The numeric typmod packs precision and (signed, 11-bit) scale: PostgreSQL's own decoding.
  const rows = await queryText(
    client,
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            bt.typname AS base, (NOT a.attnotnull)::text AS nullable,
            CASE WHEN bt.typname = 'numeric' AND a.atttypmod >= 4
                 THEN ((a.atttypmod - 4) >> 16) & 65535 END AS precision,
            CASE WHEN bt.typname = 'numeric' AND a.atttypmod >= 4
                 THEN (((a.atttypmod - 4) & 2047) # 1024) - 1024 END AS scale
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
        AND has_column_privilege(c.oid, a.attnum, 'SELECT')`,
    [schema, table],
  );
  if (rows.length === 0) {
    throw new ConfigError(
      `table ${schema}.${table} does not exist in ${describeTarget(client)} (or is not visible to this user)`,
    );
  }
  const byName = new Map(
    rows.map((row): [string, CatalogRow] => [
      String(row.name),
      {
        name: String(row.name),
        type: String(row.type),
        base: String(row.base),
        nullable: row.nullable === 'true',
        precision: row.precision === null ? null : Number(row.precision),
        scale: row.scale === null ? null : Number(row.scale),
      },
    ]),
  );
  const missing = expected.filter((column) => !byName.has(column));
  if (missing.length > 0) {
    throw new ConfigError(
      `table ${schema}.${table} in ${describeTarget(client)} lacks column(s): ${missing.join(', ')}`,
    );
  }
  return expected.map((column) =>
    mapColumn(`${schema}.${table}`, byName.get(column) as CatalogRow),
  );
}

/** One catalog column → its ClickHouse type and unrepresentable-value predicate (pure). */
export function mapColumn(where: string, column: CatalogRow): SourceColumn {
  const sql = quoteIdent(column.name);
  const isKey = column.name === 'id';
  const wrap = (type: string) => (column.nullable && !isKey ? `Nullable(${type})` : type);
  const nullKey = isKey && column.nullable ? `${sql} IS NULL` : null;
  const either = (...predicates: Array<string | null>) =>
    predicates.filter((p): p is string => p !== null).join(' OR ') || null;
  const mapped = (
    type: string,
    unrepresentable: string | null,
    holds: string,
    rejectsText: ((text: string) => boolean) | null = null,
  ): SourceColumn => ({
    name: column.name,
    pgType: column.type,
    clickhouse: wrap(type),
    unrepresentable: either(nullKey, unrepresentable),
    rejectsText,
    holds: nullKey ? `${holds}, and no NULL key` : holds,
  });
  switch (column.base) {
    case 'int2':
    case 'int4':
    case 'int8':
      return mapped('Int64', null, 'every integer of the column');
    case 'text':
    case 'varchar':
    case 'bpchar':
      return mapped('String', null, 'any text');
    case 'date':
      return mapped(
        'Date32',
        `${sql} < DATE '${FIRST_DAY}' OR ${sql} > DATE '${LAST_DAY}'`,
        `dates from ${FIRST_DAY} to ${LAST_DAY}`,
        outsideDayRange,
      );
    case 'timestamp':
      return mapped(
        TIMESTAMP,
        `${sql} < TIMESTAMP '${FIRST_DAY} 00:00:00' OR ${sql} >= TIMESTAMP '2300-01-01 00:00:00'`,
        `times from ${FIRST_DAY} 00:00:00 to ${LAST_DAY} 23:59:59.999999`,
        outsideDayRange,
      );
    case 'numeric':
      return mapNumeric(column, mapped);
    default:
      throw new ConfigError(
        `column ${column.name} of ${where} has type ${column.type}, which this extractor does not map to ClickHouse`,
      );
  }
}

/** ISO text (PostgreSQL's DateStyle ISO, as replication sends it) of a day outside ClickHouse's
 *  range: infinity, BC, a five-digit year, or a day before FIRST_DAY / after LAST_DAY. */
function outsideDayRange(text: string): boolean {
  const day = /^(\d{4}-\d{2}-\d{2})(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)?$/.exec(text)?.[1];
  return day === undefined || day < FIRST_DAY || day > LAST_DAY;
}

const SPECIAL_NUMERIC = new Set(['NaN', 'Infinity', '-Infinity']);

function mapNumeric(
  column: CatalogRow,
  mapped: (
    type: string,
    unrepresentable: string | null,
    holds: string,
    rejectsText?: (text: string) => boolean,
  ) => SourceColumn,
): SourceColumn {
  const sql = quoteIdent(column.name);
  // NaN and ±Infinity exist in PostgreSQL's numeric only.
  const special = `${sql}::text IN ('NaN', 'Infinity', '-Infinity')`;
  if (column.precision !== null && column.scale !== null) {
    // numeric(p, s) holds |x| < 10^(p - s) with s fractional digits; PostgreSQL 15 allows s < 0
    // (rounding to tens, hundreds…) and s > p (only fractions).
    const scale = Math.max(column.scale, 0);
    const precision = Math.max(column.precision - column.scale, 0) + scale;
    if (precision <= DECIMAL_MAX_PRECISION) {
      return mapped(
        `Decimal(${Math.max(precision, 1)}, ${scale})`,
        special,
        `numbers of ${column.type} (no NaN or Infinity)`,
        (text) => SPECIAL_NUMERIC.has(text),
      );
    }
  }
  const { precision, scale } = UNCONSTRAINED_NUMERIC;
  const integerDigits = precision - scale;
  return mapped(
    `Decimal(${precision}, ${scale})`,
    `${special} OR abs(${sql}) >= 1e${integerDigits} OR ${sql} <> round(${sql}, ${scale})`,
    `Decimal(${precision}, ${scale}): at most ${integerDigits} digits before the point and ${scale} after`,
    (text) => {
      if (SPECIAL_NUMERIC.has(text)) return true;
      // PostgreSQL's numeric text is plain digits (never an exponent).
      const [whole = '', fraction = ''] = text.replace(/^-/, '').split('.');
      return (
        whole.replace(/^0+/, '').length > integerDigits ||
        fraction.replace(/0+$/, '').length > scale
      );
    },
  );
}
