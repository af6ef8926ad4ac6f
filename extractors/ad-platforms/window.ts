/**
 * The date window of one account's run, and the pure state reducer behind it.
 *
 * Dates are calendar days (YYYY-MM-DD) in the account's own time zone, as the platforms report
 * them; `until` is exclusive everywhere in our code and flags. The state of an account is the
 * last day it has loaded completely; every run re-pulls `lookbackDays` before it because the
 * platforms restate recent days (attribution, conversion window, processing lag).
 */

import { addDays } from '../core/dates.js';
import type { Batch } from '../core/source.js';

export interface AccountCursor {
  /** Last day (inclusive) whose data has been written for this account. */
  readonly lastLoadedDate: string;
}

export interface DateWindow {
  readonly since: string;
  /** Exclusive. */
  readonly until: string;
}

export interface WindowInput {
  readonly since?: string;
  readonly until?: string;
  readonly cursor?: AccountCursor;
  readonly lookbackDays: number;
  /** First day to load for an account without state; defaults to `lookbackDays` before today. */
  readonly startDate?: string;
  readonly today: string;
}

/**
 * Explicit `since`/`until` (a backfill, or Airflow's data interval) set the window; otherwise it
 * runs from `lookbackDays` before the stored cursor up to and including today (today's partial
 * numbers are restated by the next run). Either way the window reaches back at least
 * `lookbackDays` before `until`: the platforms restate recent days, and a daily Airflow run
 * passes a one-day interval. `--lookback-days 0` loads an explicit window exactly.
 */
export function resolveWindow(input: WindowInput): DateWindow {
  const until = input.until ?? addDays(input.today, 1);
  let since: string;
  if (input.since) since = input.since;
  else if (input.cursor) since = addDays(input.cursor.lastLoadedDate, 1 - input.lookbackDays);
  else since = input.startDate ?? until;
  const lookbackStart = addDays(until, -input.lookbackDays);
  if (lookbackStart < since) since = lookbackStart;
  return { since, until };
}

/** Pure reducer: the cursor only moves forward, to the last day this run wrote. */
export function advanceCursor(
  previous: AccountCursor | undefined,
  loaded: DateWindow,
): AccountCursor | undefined {
  if (loaded.since >= loaded.until) return previous;
  const last = addDays(loaded.until, -1);
  if (previous && previous.lastLoadedDate >= last) return previous;
  return { lastLoadedDate: last };
}

/** Splits [since, until) into consecutive chunks of at most `days` days. */
export function chunkWindow(window: DateWindow, days: number): DateWindow[] {
  const chunks: DateWindow[] = [];
  for (let start = window.since; start < window.until; start = addDays(start, days)) {
    const end = addDays(start, days);
    chunks.push({ since: start, until: [end, window.until].sort()[0] as string });
  }
  return chunks;
}

/** The state of a daily stream: the account's cursor. */
export interface WindowState {
  readonly cursor?: AccountCursor;
}

/**
 * A batch of a daily stream that also says which days it covers completely (all rows of those
 * days are in it, possibly none), so the state can advance over days without data too.
 */
export type WindowBatch<Row> = Extract<Batch<Row>, { kind: 'rows' }> & {
  readonly window: DateWindow;
};

/**
 * A batch of a chunk's rows. Only the chunk's last batch (`complete`) carries its window: the
 * state moves past the chunk's days once every row of them is written.
 */
export function chunkBatch<Row>(
  rows: Row[],
  chunk: DateWindow,
  complete: boolean,
): Batch<Row> | WindowBatch<Row> {
  return complete ? { kind: 'rows', rows, window: chunk } : { kind: 'rows', rows };
}

/**
 * Rows per insert for sources that regroup what the API sends: enough that the cost of each
 * insert (a new part in ClickHouse) stays small, few enough that memory does not grow with the
 * number of rows a run loads.
 */
export const INSERT_BATCH_ROWS = 5_000;

/** The stream's `nextState`: pure, moves the cursor to the end of the batch's window. */
export function nextWindowState(state: WindowState, batch: Batch<unknown>): WindowState {
  const window = (batch as Partial<WindowBatch<unknown>>).window;
  return window ? { cursor: advanceCursor(state.cursor, window) } : state;
}
