/**
 * The day loop both App Store streams share. The window comes from the flags and the stored
 * cursor (ad-platforms/window.ts: lookback before the cursor and before --until), one report per
 * day, oldest first. A day's last batch carries its window, so the cursor passes a day only once
 * all its rows are written. A day Apple has no report for yet (404, or no analytics instance)
 * within --report-delay-days of today is "not yet available": logged, and the loop stops there,
 * so the state never passes it and the next run asks again. An older day without a report had
 * no data: it is complete with no rows.
 */
import type { WindowConfig } from '../../ad-platforms/config.js';
import {
  chunkWindow,
  type DateWindow,
  resolveWindow,
  type WindowBatch,
  type WindowState,
} from '../../ad-platforms/window.js';
import { addDays, todayIn } from '../../core/dates.js';
import type { Logger } from '../../core/logger.js';
import type { Batch } from '../../core/source.js';
import { APPLE_REPORT_TIMEZONE } from '../session.js';

/** A day's rows in batches, or `undefined`: Apple has no report for that day. */
export type DayRows<Row> = AsyncIterable<Row[]> | undefined;

export async function* reportDays<Row>(options: {
  readonly stream: string;
  readonly window: WindowConfig;
  readonly state: WindowState;
  readonly delayDays: number;
  readonly log: Logger;
  /** `recent`: the day is within the delay days, where a missing report means "not yet". */
  readDay(day: string, recent: boolean): Promise<DayRows<Row>>;
  /** Overridable in tests of the loop; Apple's today otherwise. */
  readonly today?: string;
}): AsyncGenerator<Batch<Row> | WindowBatch<Row>> {
  const today = options.today ?? todayIn(APPLE_REPORT_TIMEZONE);
  const window = resolveWindow({ ...options.window, cursor: options.state.cursor, today });
  options.log.info(`${options.stream} window ${window.since}..${window.until} (until exclusive)`, {
    event: 'window',
    since: window.since,
    until: window.until,
  });
  const recentFrom = addDays(today, -options.delayDays);
  for (const day of chunkWindow(window, 1)) {
    const recent = day.since >= recentFrom;
    const rows = await options.readDay(day.since, recent);
    if (rows === undefined && recent) {
      options.log.info(
        `${options.stream} ${day.since}: not yet available from Apple; stopping here, the state stays before it`,
        { event: 'not_yet_available', date: day.since },
      );
      return;
    }
    if (rows !== undefined) {
      for await (const batch of rows) yield { kind: 'rows', rows: batch };
    }
    yield dayDone<Row>(day);
  }
}

/** The batch that moves the cursor over `day` once all its rows are written (possibly none). */
function dayDone<Row>(day: DateWindow): WindowBatch<Row> {
  return { kind: 'rows', rows: [], window: day };
}
