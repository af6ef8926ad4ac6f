/** COPY text framing and totals, read without parsing rows. */
import { expect, test } from 'vitest';
import { copyTotals, describeCopyText } from '../../../extractors/postgres/copy-parser.js';

test('COPY text: row count and the first field of the last line', () => {
  expect(describeCopyText('7\t1\t2026-01-01 00:00:00\t0\n8\t1\t2026-01-01 00:00:01\t0\n')).toEqual({
    rowCount: 2,
    lastKey: '8',
  });
  expect(describeCopyText('42\tx\n')).toEqual({ rowCount: 1, lastKey: '42' });
  expect(describeCopyText('')).toMatchObject({ rowCount: 0 });
});

test('COPY text totals: count and exact id sum, also past 2^53', () => {
  expect(copyTotals('7\t1\tx\t0\n8\t1\ty\t0\n')).toEqual({ count: '2', sum: '15' });
  expect(copyTotals('')).toEqual({ count: '0', sum: '0' });
  const big = ['9007199254740993', '4503599627370496', '4503599627370497', '3']
    .map((id) => `${id}\t1\tx\t0\n`)
    .join('');
  expect(copyTotals(big)).toEqual({
    count: '4',
    sum: String(9007199254740993n + 4503599627370496n + 4503599627370497n + 3n),
  });
});
