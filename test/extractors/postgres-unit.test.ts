/** Pure parts of the PostgreSQL source: COPY text framing, value canonicalisation, state step. */
import { expect, test } from 'vitest';
import { canonical, describeCopyText, streams } from '../../extractors/postgres/streams.js';

test('COPY text: row count and the first field of the last line', () => {
  expect(describeCopyText('7\t1\t2026-01-01 00:00:00\t0\n8\t1\t2026-01-01 00:00:01\t0\n')).toEqual({
    rowCount: 2,
    lastKey: '8',
  });
  expect(describeCopyText('42\tx\n')).toEqual({ rowCount: 1, lastKey: '42' });
  expect(describeCopyText('')).toMatchObject({ rowCount: 0 });
});

test('PostgreSQL and ClickHouse spellings of one value compare equal', () => {
  const ts = "DateTime64(6, 'UTC')";
  expect(canonical(ts, '2026-01-02 03:04:05')).toBe(canonical(ts, '2026-01-02 03:04:05.000000'));
  expect(canonical(ts, '2026-01-02 03:04:05.5')).toBe('2026-01-02 03:04:05.500000');
  expect(canonical('Decimal(10, 2)', '12.50')).toBe(canonical('Decimal(10, 2)', '12.5'));
  expect(canonical('Decimal(10, 2)', '3.00')).toBe('3');
  expect(canonical('Int64', 5)).toBe('5');
  expect(canonical(ts, null)).toBeNull();
});

test('id streams advance to the highest live id of a batch, never backwards', () => {
  const impressions = streams.find((s) => s.name === 'impressions');
  if (!impressions) throw new Error('no impressions stream');
  const state = { lastId: '100' };
  expect(
    impressions.nextState(state, {
      kind: 'encoded',
      format: 'TabSeparated',
      data: '',
      rowCount: 2,
      cursor: '250',
    }),
  ).toEqual({ lastId: '250' });
  // Tombstones and late rows below the watermark do not move it.
  expect(
    impressions.nextState(state, {
      kind: 'rows',
      rows: [
        { id: '40', _deleted: 1 },
        { id: '99', _deleted: 0 },
        { id: '9007199254740993', _deleted: 1 },
      ],
    }),
  ).toEqual({ lastId: '100' });
  expect(
    impressions.nextState(state, {
      kind: 'select',
      select: '',
      keyRange: '',
      cursor: '9007199254740993',
    }),
  ).toEqual({ lastId: '9007199254740993' });
});
