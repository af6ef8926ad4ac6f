import type { Batch } from '../core/source.js';
import type { OutRow } from './columns.js';
import { copyTotals } from './copy-parser.js';

/**
 * The state of an id stream (impressions, clicks) and every step on it, all pure: the runner
 * writes a batch, then saves `nextIdState(state, batch)` (insert-then-state), so a crash in
 * between re-reads the batch and never skips one. Changes other than new rows travel as
 * checkpoints: batches without rows whose cursor is an `IdCursor`.
 */

/** Live rows in an id range: how many, and the sum of their ids (decimal text, exact). */
export interface Totals {
  count: string;
  sum: string;
}

/** What tells, without reading the table, that rows may have been deleted since a check. */
export interface TableMarks {
  /** pg_stat_user_tables.n_tup_del: counts every DELETE (even rolled back), reset only by a
   *  statistics reset or a crash, either of which also makes it differ. */
  deleted: string;
  /** The table's file node: TRUNCATE, which does not count deletions, changes it. */
  filenode: string;
}

export interface IdState {
  /** Highest id loaded, as decimal text (BIGSERIAL exceeds 2^53 in principle). */
  lastId: string;
  /** Live rows ≤ lastId as written to ClickHouse, summed from what each batch wrote, so the
   *  deletion check needs no ClickHouse scan. Absent while unknown (state of an older version,
   *  rows ClickHouse pulled itself and not yet counted, a reconciliation under way): the next
   *  check then counts them in ClickHouse. */
  live?: Totals;
  /** The table's marks when the last full check began, and when that was. */
  checked?: TableMarks & { at: string };
  /** Ids above `since` that transactions writing when a run began (`writers`, virtual
   *  transaction ids) may still commit below the watermark; checked once they have all ended. */
  pending?: { since: string; writers: string[] };
}

/** A change to IdState carried in a batch's cursor (JSON); `null` removes a field. */
export interface IdCursor {
  lastId?: string;
  live?: Totals | null;
  checked?: IdState['checked'] | null;
  pending?: IdState['pending'] | null;
}

/** Ids `above < id <= upTo`. */
export interface IdRange {
  above: bigint;
  upTo: bigint;
}

/** Before the first run: nothing loaded, and so nothing live. */
export const INITIAL_ID_STATE: IdState = { lastId: '0', live: { count: '0', sum: '0' } };

function maxId(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/** `a + b`, or `a - b` with sign -1. */
export function addTotals(a: Totals, b: Totals, sign: 1n | -1n = 1n): Totals {
  return {
    count: String(BigInt(a.count) + sign * BigInt(b.count)),
    sum: String(BigInt(a.sum) + sign * BigInt(b.sum)),
  };
}

/** Equal counts and id sums; absent totals count as none. */
export function sameTotals(a: Totals | undefined, b: Totals | undefined): boolean {
  return (
    BigInt(a?.count ?? 0) === BigInt(b?.count ?? 0) && BigInt(a?.sum ?? 0) === BigInt(b?.sum ?? 0)
  );
}

/** Fixed key order, no undefined fields: equal states have equal JSON (the runner saves a state
 *  only when its JSON changes). */
export function normalIdState(state: IdState): IdState {
  return {
    lastId: state.lastId,
    ...(state.live && { live: { count: state.live.count, sum: state.live.sum } }),
    ...(state.checked && {
      checked: {
        deleted: state.checked.deleted,
        filenode: state.checked.filenode,
        at: state.checked.at,
      },
    }),
    ...(state.pending && {
      pending: { since: state.pending.since, writers: [...state.pending.writers] },
    }),
  };
}

/** Applies a cursor to a state (pure). */
export function applyCursor(state: IdState, patch: IdCursor): IdState {
  const merged: IdState = { ...state };
  if (patch.lastId !== undefined) merged.lastId = maxId(state.lastId, patch.lastId);
  for (const field of ['live', 'checked', 'pending'] as const) {
    const value = patch[field];
    if (value === null) delete merged[field];
    // biome-ignore lint/suspicious/noExplicitAny: field and value belong together by construction
    else if (value !== undefined) (merged as any)[field] = value;
  }
  return normalIdState(merged);
}

/**
 * The state after a batch has been written. New rows (COPY text) add their count and id sum to
 * `live`; rows ClickHouse pulled itself leave `live` unknown until the checkpoint that follows
 * them; reconciliation rows change nothing (the checkpoint before them clears `live`, the one
 * after sets it). Checkpoints are COPY batches without rows.
 */
export function nextIdState(state: IdState, batch: Batch<OutRow>): IdState {
  if (batch.kind === 'rows') return state;
  const patch = JSON.parse(batch.cursor) as IdCursor;
  const grown =
    batch.kind === 'encoded' && batch.rowCount > 0 && state.live
      ? { ...state, live: addTotals(state.live, copyTotals(batch.data)) }
      : state;
  return applyCursor(grown, patch);
}

/** A batch without rows that only moves the state. */
export function checkpoint(patch: IdCursor): Batch<OutRow> {
  return {
    kind: 'encoded',
    format: 'TabSeparated',
    data: '',
    rowCount: 0,
    cursor: JSON.stringify(patch),
  };
}
