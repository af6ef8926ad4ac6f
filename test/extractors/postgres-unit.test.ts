/** Pure parts of the PostgreSQL source: COPY text framing and totals, value canonicalisation,
 *  the state step, the choice of which old ids to compare, and a PG_URL refused before any
 *  connection. */
import { describe, expect, test } from 'vitest';
import { ConfigError, EXIT_USAGE } from '../../extractors/core/errors.js';
import { connect } from '../../extractors/postgres/client.js';
import {
  applyCursor,
  canonical,
  copyTotals,
  describeCopyText,
  type IdCursor,
  type IdState,
  nextPending,
  planCheck,
  streams,
} from '../../extractors/postgres/streams.js';

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

const impressions = streams.find((s) => s.name === 'impressions');
if (!impressions) throw new Error('no impressions stream');
const copyBatch = (data: string, cursor: IdCursor) => ({
  kind: 'encoded' as const,
  format: 'TabSeparated' as const,
  data,
  rowCount: describeCopyText(data).rowCount,
  cursor: JSON.stringify(cursor),
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

describe('which old ids a run compares', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const marks = { deleted: '4', filenode: '16384' };
  const checked: IdState = {
    lastId: '1000',
    live: { count: '1000', sum: '500500' },
    checked: { ...marks, at },
  };
  const hoursLater = (hours: number) => new Date(Date.parse(at) + hours * 3_600_000).toISOString();

  test('none while nothing points at a change', () => {
    expect(planCheck(checked, marks, [], 24, hoursLater(1)).kind).toBe('none');
    expect(planCheck(checked, marks, ['5/1'], 24, hoursLater(1)).kind).toBe('none');
  });

  test('all of them after deletions, TRUNCATE, without statistics or totals, or when due', () => {
    expect(planCheck(checked, { ...marks, deleted: '5' }, [], 24, hoursLater(1))).toMatchObject({
      reason: 'deletions',
    });
    expect(planCheck(checked, marks, [], 24, hoursLater(25))).toMatchObject({ reason: 'due' });
    expect(planCheck(checked, undefined, [], 24, hoursLater(1))).toMatchObject({
      reason: 'unknown',
    });
    expect(planCheck(checked, { ...marks, deleted: '5' }, [], 24, hoursLater(1)).kind).toBe('full');
    expect(planCheck(checked, { ...marks, filenode: '16999' }, [], 24, hoursLater(1)).kind).toBe(
      'full',
    );
    expect(planCheck(checked, undefined, [], 24, hoursLater(1)).kind).toBe('full');
    expect(planCheck({ ...checked, live: undefined }, marks, [], 24, hoursLater(1)).kind).toBe(
      'full',
    );
    expect(planCheck({ lastId: '1000', live: checked.live }, marks, [], 24, at).kind).toBe('full');
    expect(planCheck(checked, marks, [], 24, hoursLater(24)).kind).toBe('full');
    expect(planCheck(checked, marks, [], 0, at).kind).toBe('full');
  });

  test('the range of earlier writers once they have all ended', () => {
    const waiting = { ...checked, pending: { since: '700', writers: ['3/7', '4/2'] } };
    expect(planCheck(waiting, marks, ['4/2', '6/1'], 24, hoursLater(1)).kind).toBe('none');
    expect(planCheck(waiting, marks, ['6/1'], 24, hoursLater(1))).toEqual({
      kind: 'pending',
      range: 'in (700, 1000]',
    });
  });

  test('pending ranges: kept while an earlier writer is active, else from the watermark', () => {
    const waiting = { ...checked, pending: { since: '700', writers: ['3/7'] } };
    expect(nextPending(waiting, ['3/7', '6/1'])).toEqual({ since: '700', writers: ['3/7', '6/1'] });
    expect(nextPending(waiting, ['6/1'])).toEqual({ since: '1000', writers: ['6/1'] });
    expect(nextPending(waiting, [])).toBeUndefined();
    expect(nextPending(checked, [])).toBeUndefined();
  });
});

test('a malformed PG_URL is a configuration error (exit 2), refused before connecting, secret-free', async () => {
  const failure = await connect({
    PG_URL: 'postgresql://loader:pw-Secret9@db:notaport/adtech',
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(ConfigError);
  expect((failure as ConfigError).exitCode).toBe(EXIT_USAGE);
  expect((failure as ConfigError).message).toMatch(/PG_URL is not a valid connection string/);
  expect((failure as ConfigError).message).not.toContain('pw-Secret9');
});
