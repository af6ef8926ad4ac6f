import type { IdState, TableMarks } from './id-state.js';

/**
 * Which ids at or below an id stream's watermark a run compares with PostgreSQL, and which it
 * leaves for a later run (pure). The common incremental run compares none.
 */

export type CheckPlan =
  | { kind: 'none'; range?: undefined }
  | { kind: 'pending'; range: string }
  | { kind: 'full'; range: string; reason: 'deletions' | 'due' | 'unknown' };

/**
 * Which ids at or below the watermark to compare with PostgreSQL this run:
 * - all of them (`full`) when rows may have been deleted (the table's marks moved), when
 *   nothing tells (no statistics, no totals: `unknown`) or when the last full check is older
 *   than `--full-check-hours` (`due`: then ClickHouse is counted too, not taken from the state,
 *   so drift on the warehouse side shows as well);
 * - those above `pending.since` once the writers seen by earlier runs have all ended: a row they
 *   committed late is there now;
 * - none otherwise: the common incremental run reads no old rows at all.
 */
export function planCheck(
  state: IdState,
  marks: TableMarks | undefined,
  writers: readonly string[],
  fullCheckHours: number,
  now: string,
): CheckPlan {
  const { checked } = state;
  const range = `<= ${state.lastId}`;
  if (!state.live || !marks || !checked) return { kind: 'full', range, reason: 'unknown' };
  if (Date.parse(now) - Date.parse(checked.at) >= fullCheckHours * 3_600_000) {
    return { kind: 'full', range, reason: 'due' };
  }
  if (marks.deleted !== checked.deleted || marks.filenode !== checked.filenode) {
    return { kind: 'full', range, reason: 'deletions' };
  }
  if (state.pending && !state.pending.writers.some((writer) => writers.includes(writer))) {
    return { kind: 'pending', range: `in (${state.pending.since}, ${state.lastId}]` };
  }
  return { kind: 'none' };
}

/**
 * Writers now active keep a range open above the current watermark; writers of earlier runs
 * still active keep the earlier range open. Once those have ended the range was checked (see
 * `planCheck`) and only the current writers count.
 */
export function nextPending(
  state: IdState,
  writers: readonly string[],
): IdState['pending'] | undefined {
  const open = state.pending?.writers.some((writer) => writers.includes(writer));
  if (state.pending && open) return { since: state.pending.since, writers: [...writers] };
  return writers.length > 0 ? { since: state.lastId, writers: [...writers] } : undefined;
}
