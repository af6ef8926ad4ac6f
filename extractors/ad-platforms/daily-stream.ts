/**
 * The daily streams of the ad platforms (Facebook insights, Google Ads daily metrics, the GA4
 * report) share their whole set-up: the window from the flags and the stored cursor, in the
 * account's own time zone; chunks oldest first; each chunk's last batch carrying its window so
 * the state advances behind what is written. A stream supplies only how to read one chunk.
 */
import { todayIn } from '../core/dates.js';
import type { Logger } from '../core/logger.js';
import type { StreamDefinition } from '../core/source.js';
import type { WindowConfig } from './config.js';
import {
  chunkBatch,
  chunkWindow,
  type DateWindow,
  nextWindowState,
  resolveWindow,
  type WindowState,
} from './window.js';

/** Rows of one chunk as the API gives them; `complete` on the chunk's last batch. */
export interface ChunkRows<Row> {
  readonly rows: Row[];
  readonly complete: boolean;
}

export interface DailyStreamSpec<Session, Row> {
  readonly name: string;
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, string>>;
  readonly window: WindowConfig;
  /** Days per request (`--job-days`, `--chunk-days`). */
  readonly chunkDays: number;
  /** The account's IANA time zone: its calendar days are the dates, so "today" is its today. */
  timezone(session: Session): string;
  readChunk(context: {
    readonly session: Session;
    readonly chunk: DateWindow;
    readonly log: Logger;
  }): AsyncIterable<ChunkRows<Row>>;
}

export function dailyStream<Session, Row>(
  spec: DailyStreamSpec<Session, Row>,
): StreamDefinition<Session, WindowState, Row> {
  return {
    name: spec.name,
    table: spec.table,
    key: spec.key,
    cursor: 'date',
    columns: spec.columns,
    partitionBy: 'toYYYYMM(date)',
    initialState: {},
    nextState: nextWindowState,
    async *read({ session, state, log }) {
      const window = resolveWindow({
        ...spec.window,
        cursor: state.cursor,
        today: todayIn(spec.timezone(session)),
      });
      log.info(`${spec.name} window ${window.since}..${window.until} (until exclusive)`, {
        event: 'window',
        since: window.since,
        until: window.until,
      });
      // Oldest chunk first, so the cursor advances day by day behind what is written.
      for (const chunk of chunkWindow(window, spec.chunkDays)) {
        for await (const { rows, complete } of spec.readChunk({ session, chunk, log })) {
          yield chunkBatch(rows, chunk, complete);
        }
      }
    },
  };
}
