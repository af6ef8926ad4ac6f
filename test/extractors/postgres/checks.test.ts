/** The choice of which old ids a run compares with PostgreSQL, and the pending range. */
import { describe, expect, test } from 'vitest';
import { nextPending, planCheck } from '../../../extractors/postgres/checks.js';
import type { IdState } from '../../../extractors/postgres/id-state.js';

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
