/**
 * Which monthly report files a run reads. Play Console writes one file per report and month and
 * rewrites it as the month fills (and once more after it closes), so a run re-reads whole
 * months: every month its date window touches, and at least the last `months` months up to the
 * window's last day. The state of a monthly stream is the ad platforms' day cursor: each month's
 * batch carries the days it covers, so the cursor moves to the month's end (or the window's).
 */
import type { WindowConfig } from '../../ad-platforms/config.js';
import { type DateWindow, resolveWindow, type WindowState } from '../../ad-platforms/window.js';
import { addDays, todayIn } from '../../core/dates.js';
import { VITALS_TIMEZONE } from '../client.js';

export interface ReportMonth {
  /** `YYYYMM`, as in the file names. */
  readonly yyyymm: string;
  /** The days of the month this run loads: the month, cut at the window's end. */
  readonly days: DateWindow;
}

/** The first day of the month `offset` months after the month of `day`. */
export function monthStart(day: string, offset = 0): string {
  const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + offset);
  return date.toISOString().slice(0, 10);
}

/** Oldest first. */
export function reportMonths(window: DateWindow, months: number): ReportMonth[] {
  if (window.since >= window.until) return [];
  const last = addDays(window.until, -1);
  const first = [window.since, monthStart(last, 1 - months)].sort()[0] as string;
  const out: ReportMonth[] = [];
  for (let start = monthStart(first); start <= last; start = monthStart(start, 1)) {
    const next = monthStart(start, 1);
    out.push({
      yyyymm: start.slice(0, 7).replace('-', ''),
      days: { since: start, until: [next, window.until].sort()[0] as string },
    });
  }
  return out;
}

/**
 * The months of one run: the date window from the flags and the stored cursor (days in Play's
 * own time zone, Pacific, like the reports), widened to whole months.
 */
export function runMonths(
  config: { readonly window: WindowConfig; readonly months: number },
  state: WindowState,
  now = new Date(),
): ReportMonth[] {
  const window = resolveWindow({
    ...config.window,
    cursor: state.cursor,
    today: todayIn(VITALS_TIMEZONE, now),
  });
  return reportMonths(window, config.months);
}
