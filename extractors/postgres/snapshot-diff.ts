import type { TextRow } from './client.js';
import { type Columns, type OutRow, sameRow } from './columns.js';

/** What a snapshot run writes: new or changed rows, then a tombstone per row gone. */
export interface SnapshotDiff {
  changes: OutRow[];
  /** New or changed rows among `changes`. */
  changed: number;
  /** Tombstones among `changes`. */
  deleted: number;
}

/**
 * Compares the full PostgreSQL snapshot (`current`) with the live rows in ClickHouse (`loaded`)
 * (pure). Rows equal in every source column are left out; a row only ClickHouse holds comes
 * back with its last known values and `_deleted = 1`, so the change is an ordinary insert.
 */
export function diffSnapshot(
  columns: Columns,
  current: readonly TextRow[],
  loaded: readonly TextRow[],
): SnapshotDiff {
  const remaining = new Map(loaded.map((row) => [row.id, row]));
  const changes: OutRow[] = [];
  let changed = 0;
  for (const row of current) {
    const before = remaining.get(row.id);
    remaining.delete(row.id);
    if (before && sameRow(columns, before, row)) continue;
    changed += 1;
    changes.push({ ...row, _deleted: 0 });
  }
  // What is left in `remaining` no longer exists in PostgreSQL.
  for (const gone of remaining.values()) changes.push({ ...gone, _deleted: 1 });
  return { changes, changed, deleted: remaining.size };
}
