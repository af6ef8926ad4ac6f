/**
 * Exact conversions of Apple's report values: a value that does not fit its column is a located
 * error, never rounded, truncated or replaced by zero.
 */
import { RuntimeFailure } from '../../core/errors.js';

/** Decimal(38, 6): at most 6 fractional digits, kept as the text ClickHouse parses exactly. */
export function decimal(value: string, where: string): string {
  const text = value.trim();
  if (!/^-?\d{1,32}(\.\d{1,6})?$/.test(text)) {
    throw new RuntimeFailure(`${where}: "${value}" is not a decimal with at most 6 decimals`);
  }
  return text;
}

/** Int64, as text (JSON numbers lose precision past 2^53). */
export function int64(value: string, where: string): string {
  const text = value.trim();
  if (!/^-?\d{1,18}$/.test(text))
    throw new RuntimeFailure(`${where}: "${value}" is not an integer`);
  return text;
}

/** Apple's `MM/DD/YYYY` (Sales and Trends) or `YYYY-MM-DD` (Analytics Reports) → YYYY-MM-DD. */
export function appleDate(value: string, where: string): string {
  const text = value.trim();
  const us = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  const iso = us ? `${us[3]}-${us[1]}-${us[2]}` : text;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(Date.parse(`${iso}T00:00:00Z`))) {
    throw new RuntimeFailure(`${where}: "${value}" is not a date`);
  }
  return iso;
}
