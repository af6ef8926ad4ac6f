/**
 * Argument parsing for the entry points: `node:util` `parseArgs` with its errors turned into
 * usage errors, and the flag-value parsers the commands share, each naming the flag and the value
 * it refused.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './run.js';

/** `parseArgs` (strict unless told otherwise); a bad flag becomes a `UsageError` (exit 2). */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** True when the arguments ask for help anywhere before a `--`: such a run does nothing else. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * A calendar day given as `--flag YYYY-MM-DD`, checked strictly: `2026-02-30` and `2026-13-45`
 * are usage errors naming the flag and the value, never rolled over to another day.
 */
export function parseDateFlag(flag: string, value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be YYYY-MM-DD, got '${value}'`);
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  // Date.UTC rolls 2026-02-30 over to March 2nd; a day that does not round-trip does not exist.
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be YYYY-MM-DD, got '${value}' (no such day)`);
  }
  return value;
}

export interface NumberFlagRange {
  min?: number;
  max?: number;
}

/** An integer `--flag N` within [min, max]. */
export function parseIntegerFlag(flag: string, value: string, range: NumberFlagRange = {}): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer${describeRange(range)}, got '${value}'`);
  }
  return n;
}

/** A number `--flag X` (fractions allowed) within [min, max]. */
export function parseNumberFlag(flag: string, value: string, range: NumberFlagRange = {}): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const { min = -Infinity, max = Infinity } = range;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a number${describeRange(range)}, got '${value}'`);
  }
  return n;
}

/** A TCP port `--flag N` (1–65535). */
export function parsePortFlag(flag: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`${flag} must be a TCP port number (1-65535), got '${value}'`);
  }
  return n;
}

function describeRange({ min, max }: NumberFlagRange): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}
