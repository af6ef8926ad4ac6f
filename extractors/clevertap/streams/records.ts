/**
 * Reading CleverTap records: canonical JSON (the raw columns and the event hash), CleverTap's
 * `ts` (YYYYMMDDHHMMSS in the account's time zone) as a day and a UTC instant, and the typed
 * fields both streams take from a record. A value that cannot be read fails the page with a
 * located error instead of being altered.
 */
import { createHash } from 'node:crypto';
import { calendarDayIn } from '../../core/dates.js';
import { RuntimeFailure } from '../../core/errors.js';

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The first 32 hex digits (128 bits) of the SHA-256 of `text`. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The offset (ms) of `timeZone` from UTC at `instant`. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return local - Math.floor(instant / 1000) * 1000;
}

/** A wall-clock time in `timeZone` as a UTC instant (ms). */
export function zonedToUtc(localMs: number, timeZone: string): number {
  const first = localMs - zoneOffsetMs(localMs, timeZone);
  const second = localMs - zoneOffsetMs(first, timeZone);
  return second;
}

export interface EventTime {
  /** The account-local day, YYYY-MM-DD. */
  readonly date: string;
  /** The instant, `YYYY-MM-DD hh:mm:ss` in UTC. */
  readonly utc: string;
  /** `ts` as CleverTap sent it, as a number. */
  readonly ts: number;
}

const utcText = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * CleverTap's `ts`: YYYYMMDDHHMMSS in the account's time zone (Get Events); a 10-digit value is
 * read as Unix seconds. Anything else is not a time we can place.
 */
export function eventTime(ts: unknown, timeZone: string): EventTime | undefined {
  const text = typeof ts === 'number' || typeof ts === 'string' ? String(ts) : '';
  const local = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s] = local.map(Number) as number[];
    const localMs = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
    const check = new Date(localMs);
    // 20240231… would roll over into March: not a real time.
    if (
      check.getUTCMonth() !== mo! - 1 ||
      check.getUTCDate() !== d! ||
      h! > 23 ||
      mi! > 59 ||
      s! > 59
    )
      return undefined;
    return {
      date: `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`,
      utc: utcText(zonedToUtc(localMs, timeZone)),
      ts: Number(text),
    };
  }
  if (/^\d{10}$/.test(text)) {
    const ms = Number(text) * 1000;
    return { date: calendarDayIn(new Date(ms), timeZone), utc: utcText(ms), ts: Number(text) };
  }
  return undefined;
}

export function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A scalar field as text ('' when absent); numbers (phone-number identities) as written. */
export function textAt(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

/** A located error for a record that cannot be read. */
export function recordError(where: string, index: number, problem: string): RuntimeFailure {
  return new RuntimeFailure(`${where}, record ${index + 1} of the page: ${problem}`);
}
