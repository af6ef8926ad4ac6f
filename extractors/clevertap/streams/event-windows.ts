/**
 * What both CleverTap streams share: CleverTap's cursor protocol asks for one event name and a
 * day range at a time, so each stream keeps a time window per event name. Its state is, per event
 * name, the last day fully loaded; each run re-reads `--lookback-days` before it (events uploaded
 * late land in past days), in chunks of `--chunk-days`, oldest first. Every page is written as it
 * comes; only a chunk's last page carries the event name and window that move the state, so the
 * state never passes data not yet written.
 *
 * One failing event name does not stop the others: they are read and their state moves; the
 * stream then fails with the first error (exit 1, or 2 for bad credentials, which stop at once).
 */
import type { WindowConfig } from '../../ad-platforms/config.js';
import {
  type AccountCursor,
  advanceCursor,
  chunkWindow,
  type DateWindow,
  resolveWindow,
} from '../../ad-platforms/window.js';
import { addDays, todayIn } from '../../core/dates.js';
import { describeError } from '../../core/errors.js';
import type { Batch, StreamDefinition } from '../../core/source.js';
import { CleverTapApiError, type CleverTapRecord, type RecordKind } from '../client.js';
import type { ClevertapSession } from '../session.js';

/** Per event name, the last day whose records are all written. */
export interface EventWindowState {
  readonly cursors: Readonly<Record<string, AccountCursor>>;
}

/** A chunk's last batch: every record of `eventName` in `window` is written once it is. */
export type EventWindowBatch<Row> = Extract<Batch<Row>, { kind: 'rows' }> & {
  readonly eventName: string;
  readonly window: DateWindow;
};

/** Pure reducer: moves the batch's event name forward to the end of its window, never back. */
export function nextEventWindowState(
  state: EventWindowState,
  batch: Batch<unknown>,
): EventWindowState {
  const done = batch as Partial<EventWindowBatch<unknown>>;
  if (done.window === undefined || done.eventName === undefined) return state;
  const previous = state.cursors?.[done.eventName];
  const cursor = advanceCursor(previous, done.window);
  if (cursor === undefined || cursor === previous) return state;
  return { cursors: { ...state.cursors, [done.eventName]: cursor } };
}

export interface EventWindowSpec<Row> {
  readonly name: string;
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, string>>;
  readonly partitionBy?: string;
  readonly kind: RecordKind;
  readonly eventNames: readonly string[];
  readonly batchSize: number;
  readonly window: WindowConfig;
  readonly chunkDays: number;
  /** The rows of one page; throws (a located error) on a record it cannot read. */
  toRows(
    records: readonly CleverTapRecord[],
    context: { readonly session: ClevertapSession; readonly eventName: string },
  ): Row[];
}

export function eventWindowStream<Row>(
  spec: EventWindowSpec<Row>,
): StreamDefinition<ClevertapSession, EventWindowState, Row> {
  return {
    name: spec.name,
    table: spec.table,
    key: spec.key,
    cursor: 'day per event name',
    columns: spec.columns,
    partitionBy: spec.partitionBy,
    initialState: { cursors: {} },
    nextState: nextEventWindowState,
    async *read({ session, state, log }) {
      const today = todayIn(session.timezone);
      let firstError: unknown;
      for (const eventName of spec.eventNames) {
        const window = resolveWindow({
          ...spec.window,
          cursor: state.cursors?.[eventName],
          today,
        });
        log.info(
          `${spec.name} ${JSON.stringify(eventName)} window ${window.since}..${window.until} (until exclusive)`,
          { event: 'window', event_name: eventName, since: window.since, until: window.until },
        );
        try {
          for (const chunk of chunkWindow(window, spec.chunkDays)) {
            const pages = session.client.windowPages(
              spec.kind,
              { eventName, from: chunk.since, to: addDays(chunk.until, -1) },
              spec.batchSize,
            );
            for await (const page of pages) {
              const rows = spec.toRows(page.records, { session, eventName });
              const batch: Batch<Row> | EventWindowBatch<Row> = page.complete
                ? { kind: 'rows', rows, eventName, window: chunk }
                : { kind: 'rows', rows };
              yield batch;
            }
          }
        } catch (error) {
          // Wrong credentials fail every event name alike: stop now.
          if (error instanceof CleverTapApiError && error.credentials) throw error;
          log.error(`${spec.name} ${JSON.stringify(eventName)} failed: ${describeError(error)}`, {
            event: 'event_name_failed',
            event_name: eventName,
          });
          firstError ??= error;
        }
      }
      if (firstError !== undefined) throw firstError;
    },
  };
}
