/** `--transfer clickhouse-pull`: the id ranges ClickHouse reads itself, and their cursors. */
import { expect, test } from 'vitest';
import { EVENT_COLUMNS } from '../../../extractors/postgres/columns.js';
import { applyCursor, type IdCursor } from '../../../extractors/postgres/id-state.js';
import { pullRanges } from '../../../extractors/postgres/pull.js';

const target = { collection: 'adtech_pg' };

test('spans of batchSize ids up to the top id, each moving the watermark to its end', () => {
  const ranges = [...pullRanges(target, 'public', 'clicks', EVENT_COLUMNS, 10n, 35n, 10)];
  expect(ranges.map((r) => r.range)).toEqual([
    { above: 10n, upTo: 20n },
    { above: 20n, upTo: 30n },
    { above: 30n, upTo: 35n },
  ]);
  const last = ranges.at(-1)?.select;
  if (last?.kind !== 'select') throw new Error('expected a select batch');
  expect(last.keyRange).toBe('id > 30 AND id <= 35');
  // `live` unknown until the caller counts what arrived.
  const cursor = JSON.parse(last.cursor) as IdCursor;
  expect(applyCursor({ lastId: '30', live: { count: '1', sum: '30' } }, cursor)).toEqual({
    lastId: '35',
  });
  expect(last.select).toBe(
    "SELECT id, campaign_id, toDateTime64(toString(created_at), 6, 'UTC'), toUInt8(0) " +
      "FROM postgresql(adtech_pg, schema = 'public', table = 'clicks') " +
      'WHERE id > 30 AND id <= 35',
  );
});

test('nothing to pull when the watermark is at the top id', () => {
  expect([...pullRanges(target, 'public', 'clicks', EVENT_COLUMNS, 35n, 35n, 10)]).toEqual([]);
});
