/** The id streams' pure state step: batches and checkpoints applied to IdState. */
import { expect, test } from 'vitest';
import { describeCopyText } from '../../../extractors/postgres/copy-parser.js';
import {
  applyCursor,
  type IdCursor,
  type IdState,
  nextIdState,
} from '../../../extractors/postgres/id-state.js';
import { streams } from '../../../extractors/postgres/streams.js';

const impressions = streams.find((s) => s.name === 'impressions');
if (!impressions) throw new Error('no impressions stream');
const copyBatch = (data: string, cursor: IdCursor) => ({
  kind: 'encoded' as const,
  format: 'TabSeparated' as const,
  data,
  rowCount: describeCopyText(data).rowCount,
  cursor: JSON.stringify(cursor),
});

test('the id streams step with nextIdState', () => {
  expect(impressions.nextState).toBe(nextIdState);
  expect(streams.find((s) => s.name === 'clicks')?.nextState).toBe(nextIdState);
});

test('id streams: new rows advance the watermark and add to the live totals', () => {
  const state: IdState = { lastId: '100', live: { count: '3', sum: '60' } };
  expect(
    impressions.nextState(state, copyBatch('101\t1\tx\t0\n250\t1\ty\t0\n', { lastId: '250' })),
  ).toEqual({
    lastId: '250',
    live: { count: '5', sum: '411' },
  });
  // Never backwards; reconciliation rows change nothing by themselves.
  expect(impressions.nextState(state, copyBatch('', { lastId: '40' })).lastId).toBe('100');
  expect(
    impressions.nextState(state, {
      kind: 'rows',
      rows: [
        { id: '40', _deleted: 1 },
        { id: '9007199254740993', _deleted: 0 },
      ],
    }),
  ).toEqual(state);
  // Rows ClickHouse pulled itself: totals unknown until the checkpoint after them.
  const pulled = impressions.nextState(state, {
    kind: 'select',
    select: '',
    keyRange: '',
    cursor: JSON.stringify({ lastId: '9007199254740993', live: null }),
  });
  expect(pulled).toEqual({ lastId: '9007199254740993' });
  // Unknown totals stay unknown under new rows (the next check counts them in ClickHouse).
  expect(impressions.nextState(pulled, copyBatch('9007199254740994\t1\tx\t0\n', {}))).toEqual({
    lastId: '9007199254740993',
  });
});

test('checkpoints set and clear fields; equal states have equal JSON', () => {
  const state: IdState = {
    lastId: '9',
    pending: { since: '5', writers: ['3/7'] },
    live: { count: '1', sum: '9' },
  };
  const next = applyCursor(state, {
    pending: null,
    checked: { deleted: '2', filenode: '16384', at: '2026-01-01T00:00:00.000Z' },
  });
  expect(JSON.stringify(next)).toBe(
    '{"lastId":"9","live":{"count":"1","sum":"9"},"checked":{"deleted":"2","filenode":"16384","at":"2026-01-01T00:00:00.000Z"}}',
  );
  expect(JSON.stringify(applyCursor(next, {}))).toBe(JSON.stringify(next));
});
