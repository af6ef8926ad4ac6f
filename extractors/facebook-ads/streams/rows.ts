/**
 * Graph pages regrouped into insert batches, for every Facebook stream: rows go to ClickHouse as
 * their pages come, so memory does not depend on how many rows a run loads.
 */
import { INSERT_BATCH_ROWS } from '../../ad-platforms/window.js';
import type { GraphRow } from '../client.js';

export type Row = Record<string, unknown>;

/**
 * Converts pages of Graph rows and regroups them into insert batches of INSERT_BATCH_ROWS (plus
 * at most one page). The last batch, `complete`, comes after the last page, so a read without
 * rows still makes one.
 */
export async function* rowBatches(
  pages: AsyncIterable<readonly GraphRow[]>,
  toRow: (item: GraphRow) => Row,
): AsyncGenerator<{ readonly rows: Row[]; readonly complete: boolean }> {
  let rows: Row[] = [];
  for await (const page of pages) {
    for (const item of page) rows.push(toRow(item));
    if (rows.length >= INSERT_BATCH_ROWS) {
      yield { rows, complete: false };
      rows = [];
    }
  }
  yield { rows, complete: true };
}
