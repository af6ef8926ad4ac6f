/**
 * Column types from the data, and each value checked against its column (pure).
 *
 * A field's type is the manifest's declaration when it has one, else inferred from the first
 * non-null value seen: a boolean is Bool, a whole number Int64, another number Float64, a
 * `YYYY-MM-DD` string Date32, an ISO 8601 date-time DateTime64(6, 'UTC'), another string String,
 * an object or array String holding its JSON text. Primary key columns are never Nullable (a row
 * without its key is an error); every other column is Nullable: a field may be null or absent in
 * any later row, and rows loaded before a column was added must read NULL there, not a made-up 0.
 *
 * A value that does not fit its column (text in an Int64 column, 1.5 in an Int64 column, a
 * date-time in a Date32 column) is an error naming dataset, row, field, value and both types:
 * nothing is converted in a way that could change it, and no column is ever retyped.
 */
import type { FieldType } from './manifest.js';

export const CLICKHOUSE_TYPES: Readonly<Record<FieldType, string>> = {
  string: 'String',
  integer: 'Int64',
  number: 'Float64',
  boolean: 'Bool',
  date: 'Date32',
  datetime: "DateTime64(6, 'UTC')",
  json: 'String',
};

/** Names the runtime and this source add to every row. */
export const RESERVED_COLUMNS = new Set(['_version', '_loaded_at', '_run_id', '_deleted']);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Seconds optional, up to 6 fraction digits (DRF writes microseconds), Z, ±hh:mm or none (UTC).
const DATETIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The kind of a JSON value, as the manifest names types; undefined for null. */
export function inferType(value: unknown): FieldType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') {
    if (DATE.test(value) && toDate(value) !== undefined) return 'date';
    if (toDateTime(value) !== undefined) return 'datetime';
    return 'string';
  }
  return 'json';
}

/** `Nullable(Int64)` → `Int64`. */
export function baseType(type: string): string {
  const match = /^Nullable\((.*)\)$/.exec(type.trim());
  return match ? (match[1] as string) : type.trim();
}

function inRange(year: number): boolean {
  // Date32 and DateTime64 hold 1900-01-01 .. 2299-12-31.
  return year >= 1900 && year <= 2299;
}

/** A real calendar day in range, or undefined. */
function toDate(text: string): string | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!inRange(year) || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return text;
}

/**
 * An ISO date-time as `YYYY-MM-DD hh:mm:ss.ffffff` in UTC (the same instant, its fraction kept
 * digit for digit), or undefined. Without an offset the value is taken as UTC.
 */
export function toDateTime(text: string): string | undefined {
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, day, hh, mm, ss = '00', fraction = '', zone = 'Z'] = match;
  if (toDate(day as string) === undefined) return undefined;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return undefined;
  const offset = zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${day}T${hh}:${mm}:${ss}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  const utc = new Date(ms).toISOString(); // whole seconds: the fraction is kept as text below
  if (!inRange(Number(utc.slice(0, 4)))) return undefined;
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}.${fraction.padEnd(6, '0')}`;
}

function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? '');
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Why a value does not fit, for the caller to locate. */
export class MisfitValue extends Error {}

/**
 * `value` as written into a column of ClickHouse type `type` (Nullable or not), or a
 * MisfitValue saying why it cannot be written unchanged. Null stays null.
 */
export function toColumnValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  const base = baseType(type);
  const misfit = (why = '') =>
    new MisfitValue(
      `value ${describeValue(value)} (${inferType(value)}) does not fit column type ${base}${why}`,
    );
  switch (base) {
    case 'String':
      if (typeof value === 'string') return value;
      if (typeof value === 'object') return JSON.stringify(value);
      throw misfit();
    case 'Int64':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw misfit();
      if (!Number.isSafeInteger(value)) {
        throw misfit(
          ': beyond 2^53, JSON parsing may already have rounded it (serve it as a string)',
        );
      }
      return value;
    case 'Float64':
      if (typeof value !== 'number') throw misfit();
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw misfit(': a whole number beyond 2^53 is not exact in Float64');
      }
      return value;
    case 'Bool':
      if (typeof value !== 'boolean') throw misfit();
      return value;
    case 'Date32': {
      const date = typeof value === 'string' ? toDate(value) : undefined;
      if (date === undefined) throw misfit(' (expected YYYY-MM-DD, 1900..2299)');
      return date;
    }
    case "DateTime64(6, 'UTC')": {
      const time = typeof value === 'string' ? toDateTime(value) : undefined;
      if (time === undefined) throw misfit(' (expected ISO 8601, at most 6 fraction digits)');
      return time;
    }
    default:
      throw misfit(': a column type this source does not write');
  }
}

/** The column type for a new field: declared, else inferred from `value`, Nullable unless key. */
export function newColumnType(
  declared: FieldType | undefined,
  value: unknown,
  isKey: boolean,
): string | undefined {
  const kind = declared ?? inferType(value);
  if (kind === undefined) return undefined;
  const type = CLICKHOUSE_TYPES[kind];
  return isKey ? type : `Nullable(${type})`;
}

/**
 * Compares two watermark values of a field: numbers numerically, ISO date-times as instants,
 * other strings as text. Undefined when they cannot be compared (a number and a string).
 */
export function compareWatermarks(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    const [ta, tb] = [toDateTime(a), toDateTime(b)];
    const [x, y] = ta !== undefined && tb !== undefined ? [ta, tb] : [a, b];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return undefined;
}
