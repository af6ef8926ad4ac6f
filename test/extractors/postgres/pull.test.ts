/** `--transfer clickhouse-pull`: the id ranges ClickHouse reads itself, and their cursors. */
import { expect, test } from 'vitest';
import { EVENT_COLUMNS } from '../../../extractors/postgres/columns.js';
import { applyCursor, type IdCursor } from '../../../extractors/postgres/id-state.js';
import { PULL_RANGE_BATCHES, pullRanges } from '../../../extractors/postgres/pull.js';

const target = { collection: 'adtech_pg', always: true };

test('spans of PULL_RANGE_BATCHES × batchSize ids up to the top id, each moving the watermark to its end', () => {
  expect(PULL_RANGE_BATCHES).toBe(200);
  const ranges = [...pullRanges(target, 'public', 'clicks', EVENT_COLUMNS, 10n, 4210n, 10)];
  expect(ranges.map((r) => r.range)).toEqual([
    { above: 10n, upTo: 2010n },
    { above: 2010n, upTo: 4010n },
    { above: 4010n, upTo: 4210n },
  ]);
  const last = ranges.at(-1)?.select;
  if (last?.kind !== 'select') throw new Error('expected a select batch');
  expect(last.keyRange).toBe('id > 4010 AND id <= 4210');
  // Timestamps read as UTC wall-clock text, never shifted by the server's zone; blocks not merged
  // as they are written (one pull's ids are unique).
  expect(last.settings).toEqual({ session_timezone: 'UTC', optimize_on_insert: 0 });
  // `live` unknown until the caller counts what arrived.
  const cursor = JSON.parse(last.cursor) as IdCursor;
  expect(applyCursor({ lastId: '4010', live: { count: '1', sum: '4010' } }, cursor)).toEqual({
    lastId: '4210',
  });
  expect(last.select).toBe(
    'SELECT id, campaign_id, created_at, toUInt8(0) ' +
      "FROM postgresql(adtech_pg, schema = 'public', table = 'clicks') " +
      'WHERE id > 4010 AND id <= 4210',
  );
});

test('nothing to pull when the watermark is at the top id', () => {
  expect([...pullRanges(target, 'public', 'clicks', EVENT_COLUMNS, 35n, 35n, 10)]).toEqual([]);
});
