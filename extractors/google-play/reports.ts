/**
 * Play Console report files as rows: decoding (the bulk report CSVs are UTF-16LE with a byte
 * order mark; the earnings CSVs inside their zips are UTF-8), CSV parsing (csv-parse), column
 * names as snake_case of the headers, and each value typed exactly or refused with its file,
 * line and column. Nothing is rounded: integers stay strings of digits, decimals are checked to
 * fit their column's scale before ClickHouse sees them.
 */
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { isCalendarDay } from '../core/dates.js';
import { RuntimeFailure } from '../core/errors.js';

/** A bad file or value: exit 1, located, the value quoted only as far as a report cell goes. */
export class ReportFormatError extends RuntimeFailure {}

/** Text of a report file: UTF-16LE after its BOM (the bulk reports), else UTF-8. */
export function decodeReport(bytes: Uint8Array, file: string): string {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    }
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    throw new ReportFormatError(
      `${file}: not valid UTF-16LE/UTF-8 text (a truncated or foreign file?)`,
    );
  }
}

/** `Daily Device Installs` → `daily_device_installs`, `Amount (Merchant Currency)` →
 *  `amount_merchant_currency`. */
export function snakeCase(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** How a column's text becomes its ClickHouse value. */
export interface ColumnKind {
  readonly type: string;
  /** The value to insert, or an Error message for the cell. */
  parse(text: string): unknown;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `2024-03-01`, or the earnings reports' `Mar 1, 2024`. */
function calendarDay(text: string): string {
  const named = /^([A-Za-z]{3})[a-z]* (\d{1,2}), (\d{4})$/.exec(text.trim());
  const day = named
    ? `${named[3]}-${String(MONTHS.indexOf(named[1]!.toLowerCase()) + 1).padStart(2, '0')}-${named[2]!.padStart(2, '0')}`
    : text.trim();
  if (!isCalendarDay(day)) throw new Error(`not a date (YYYY-MM-DD or "Mon D, YYYY")`);
  return day;
}

/** Decimal text kept as text, refused when it has more fraction digits than `scale`. */
function exactDecimal(text: string, scale: number): string {
  const value = text.trim();
  const match = /^[-+]?(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) throw new Error('not a decimal number');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) throw new Error(`has more than ${scale} decimal places`);
  if (match[1]!.replace(/^0+/, '').length > 38 - scale) throw new Error('is too large');
  return value.replace(/^\+/, '');
}

/** Empty cells and Play's `NA` (no ratings that day) are NULL, never 0. */
const isMissing = (text: string) => text.trim() === '' || text.trim().toUpperCase() === 'NA';

export const kinds = {
  day: { type: 'Date', parse: calendarDay },
  text: { type: 'String', parse: (text: string) => text },
  count: {
    type: 'Nullable(Int64)',
    parse: (text: string) => {
      if (isMissing(text)) return null;
      if (!/^-?\d{1,18}$/.test(text.trim())) throw new Error('not an integer');
      return text.trim();
    },
  },
  /** Ratings and rates: 18 decimal places, more than any report or the API gives. */
  ratio: {
    type: 'Nullable(Decimal(38, 18))',
    parse: (text: string) => (isMissing(text) ? null : exactDecimal(text, 18)),
  },
  money: { type: 'Decimal(38, 6)', parse: (text: string) => exactDecimal(text, 6) },
  optionalMoney: {
    type: 'Nullable(Decimal(38, 6))',
    parse: (text: string) => (isMissing(text) ? null : exactDecimal(text, 6)),
  },
} as const satisfies Record<string, ColumnKind>;

export type ColumnKinds = Readonly<Record<string, ColumnKind>>;

/** The ClickHouse column types of a report's columns, plus `other_columns` for new headers. */
export function columnTypes(columns: ColumnKinds): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(columns).map(([name, kind]) => [name, kind.type])),
    other_columns: 'Map(String, String)',
  };
}

export interface ParsedReport {
  readonly rows: Record<string, unknown>[];
  /** Headers the report has that no column declares: kept in `other_columns`. */
  readonly unknownHeaders: string[];
}

/**
 * The rows of a CSV as typed column values. Every declared column that the report lacks is
 * NULL (or an error when `required`); headers nobody declared go to `other_columns` as text, so
 * a column Google adds is kept, not dropped.
 */
export function parseReport(
  text: string,
  file: string,
  columns: ColumnKinds,
  required: readonly string[],
): ParsedReport {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, csv-parse returns { record, info } per line; its typings only know arrays.
    parsed = parse(text, { info: true, skip_empty_lines: true }) as unknown as typeof parsed;
  } catch (error) {
    throw new ReportFormatError(`${file}: malformed CSV: ${(error as Error).message}`);
  }
  const [header, ...records] = parsed;
  if (!header) return { rows: [], unknownHeaders: [] };
  const headers = header.record.map(snakeCase);
  const missing = required.filter((name) => !headers.includes(name));
  if (missing.length > 0) {
    throw new ReportFormatError(
      `${file}: header lacks ${missing.join(', ')} (has ${headers.join(', ')})`,
    );
  }
  const unknownHeaders = headers.filter((name) => !(name in columns));
  const rows = records.map(({ record, info }) => {
    if (record.length !== headers.length) {
      throw new ReportFormatError(
        `${file} line ${info.lines}: ${record.length} fields, the header has ${headers.length}`,
      );
    }
    const row: Record<string, unknown> = {};
    const other: Record<string, string> = {};
    headers.forEach((name, i) => {
      const cell = record[i] ?? '';
      const kind = columns[name];
      if (!kind) {
        other[name] = cell;
        return;
      }
      try {
        row[name] = kind.parse(cell);
      } catch (error) {
        throw new ReportFormatError(
          `${file} line ${info.lines} column ${name}: ${JSON.stringify(cell.slice(0, 40))} ${(error as Error).message}`,
        );
      }
    });
    for (const [name, kind] of Object.entries(columns)) {
      if (!(name in row)) row[name] = kind.type.startsWith('Nullable') ? null : kind.parse('');
    }
    row.other_columns = other;
    return row;
  });
  return { rows, unknownHeaders };
}

/** The CSV files of an earnings zip, by entry name. */
export function unzipCsvs(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new ReportFormatError(`${file}: not a readable zip (${(error as Error).message})`);
  }
  const csvs = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    if (name.toLowerCase().endsWith('.csv')) csvs.set(name, data);
  }
  if (csvs.size === 0) throw new ReportFormatError(`${file}: the zip holds no CSV file`);
  return csvs;
}
