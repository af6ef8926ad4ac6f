/** The snapshot streams' pure diff: what a run writes for advertiser and campaign. */
import { expect, test } from 'vitest';
import { ADVERTISER_COLUMNS } from '../../../extractors/postgres/columns.js';
import { diffSnapshot } from '../../../extractors/postgres/snapshot-diff.js';

const row = (id: string, name: string, createdAt = '2026-01-02 03:04:05') => ({
  id,
  name,
  updated_at: null,
  created_at: createdAt,
});

test('unchanged rows are left out, whatever their spelling on each side', () => {
  const postgres = [row('1', 'a'), row('2', 'b')];
  const clickhouse = [row('1', 'a', '2026-01-02 03:04:05.000000'), row('2', 'b')];
  expect(diffSnapshot(ADVERTISER_COLUMNS, postgres, clickhouse)).toEqual({
    changes: [],
    changed: 0,
    deleted: 0,
  });
});

test('new and changed rows, then a tombstone with the last known values for each row gone', () => {
  const postgres = [row('1', 'renamed'), row('3', 'new')];
  const clickhouse = [row('1', 'a'), row('2', 'gone')];
  expect(diffSnapshot(ADVERTISER_COLUMNS, postgres, clickhouse)).toEqual({
    changes: [
      { ...row('1', 'renamed'), _deleted: 0 },
      { ...row('3', 'new'), _deleted: 0 },
      { ...row('2', 'gone'), _deleted: 1 },
    ],
    changed: 2,
    deleted: 1,
  });
});

test('a first run writes every row; an emptied table tombstones every row', () => {
  const rows = [row('1', 'a'), row('2', 'b')];
  expect(diffSnapshot(ADVERTISER_COLUMNS, rows, []).changes).toEqual(
    rows.map((r) => ({ ...r, _deleted: 0 })),
  );
  expect(diffSnapshot(ADVERTISER_COLUMNS, [], rows)).toMatchObject({ changed: 0, deleted: 2 });
});
