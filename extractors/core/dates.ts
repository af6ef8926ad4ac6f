/**
 * Calendar-day helpers, the one home for them: the compiler's run window (codegen/window.ts), the
 * ad platforms' date windows (extractors/ad-platforms/window.ts) and the local runner's logical
 * dates (local/project.ts) all use these.
 *
 * Pure and import-free on purpose: it lives under extractors/ because the extractor image is
 * built from extractors/ and generator/ only (extractors/Dockerfile.dockerignore,
 * tsconfig.build.json), while codegen/ and local/ may import from anywhere in the repository.
 *
 * A calendar day is a `YYYY-MM-DD` string; comparing two as strings orders them in time.
 */

const DAY_MS = 86_400_000;

/** The calendar day `days` after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
}

/** Days from `since` (inclusive) to `until` (exclusive). */
export function daysBetween(since: string, until: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / DAY_MS);
}

/** The calendar day of an instant in an IANA time zone. */
export function calendarDayIn(instant: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** Today in an IANA time zone (an ad account's), YYYY-MM-DD; UTC's day for an unknown zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    return calendarDayIn(now, timeZone);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** An instant whose calendar day in `timeZone` is `date`. */
export function instantOnDay(date: string, timeZone: string): Date {
  const instant = new Date(`${date}T12:00:00Z`);
  // Noon UTC is the same calendar day everywhere but in zones beyond ±12h; step one day if not.
  const local = calendarDayIn(instant, timeZone);
  if (local > date) instant.setUTCDate(instant.getUTCDate() - 1);
  if (local < date) instant.setUTCDate(instant.getUTCDate() + 1);
  return instant;
}

/**
 * Whether `text` is a real calendar day written `YYYY-MM-DD`: `2026-02-30` and `2026-13-45` are
 * not (JavaScript's Date would roll them over into March and beyond).
 */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text);
}
