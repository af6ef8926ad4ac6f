import { describe, expect, it } from 'vitest';
import {
  advanceCursor,
  chunkBatch,
  chunkWindow,
  nextWindowState,
  resolveWindow,
} from '../../../extractors/ad-platforms/window.js';
import { todayIn } from '../../../extractors/core/dates.js';

describe('ad-platform date window', () => {
  it('re-pulls the lookback before the cursor, up to and including today', () => {
    expect(
      resolveWindow({
        cursor: { lastLoadedDate: '2024-03-10' },
        lookbackDays: 28,
        today: '2024-03-11',
      }),
    ).toEqual({
      since: '2024-02-12',
      until: '2024-03-12',
    });
  });

  it('widens a one-day Airflow interval to the lookback, unless the lookback is 0', () => {
    const airflowDay = { since: '2024-03-10', until: '2024-03-11', today: '2024-03-20' };
    expect(resolveWindow({ ...airflowDay, lookbackDays: 3 })).toEqual({
      since: '2024-03-08',
      until: '2024-03-11',
    });
    expect(resolveWindow({ ...airflowDay, lookbackDays: 0 })).toEqual({
      since: '2024-03-10',
      until: '2024-03-11',
    });
    // A backfill longer than the lookback is taken as it is.
    expect(
      resolveWindow({
        since: '2024-01-01',
        until: '2024-03-01',
        lookbackDays: 14,
        today: '2024-03-20',
      }),
    ).toEqual({
      since: '2024-01-01',
      until: '2024-03-01',
    });
  });

  it('starts a new account at --start-date, else the lookback before today', () => {
    expect(
      resolveWindow({ startDate: '2024-01-01', lookbackDays: 3, today: '2024-03-20' }).since,
    ).toBe('2024-01-01');
    expect(resolveWindow({ lookbackDays: 3, today: '2024-03-20' })).toEqual({
      since: '2024-03-18',
      until: '2024-03-21',
    });
  });

  it('advances the cursor only forward and chunks windows without gaps', () => {
    expect(
      advanceCursor({ lastLoadedDate: '2024-03-10' }, { since: '2024-03-01', until: '2024-03-05' }),
    ).toEqual({
      lastLoadedDate: '2024-03-10',
    });
    expect(advanceCursor(undefined, { since: '2024-03-01', until: '2024-03-05' })).toEqual({
      lastLoadedDate: '2024-03-04',
    });
    expect(chunkWindow({ since: '2024-02-27', until: '2024-03-04' }, 3)).toEqual([
      { since: '2024-02-27', until: '2024-03-01' },
      { since: '2024-03-01', until: '2024-03-04' },
    ]);
  });

  it("takes today in the account's time zone (UTC when the zone is unknown)", () => {
    const now = new Date('2024-03-11T05:00:00Z');
    expect(todayIn('America/Los_Angeles', now)).toBe('2024-03-10');
    expect(todayIn('Asia/Tokyo', now)).toBe('2024-03-11');
    expect(todayIn('Not/A_Zone', now)).toBe('2024-03-11');
  });

  it("moves the state only on a chunk's complete batch", () => {
    const chunk = { since: '2024-03-01', until: '2024-03-04' };
    const state = { cursor: { lastLoadedDate: '2024-02-29' } };
    expect(nextWindowState(state, chunkBatch([{ a: 1 }], chunk, false))).toBe(state);
    expect(nextWindowState(state, chunkBatch([], chunk, true))).toEqual({
      cursor: { lastLoadedDate: '2024-03-03' },
    });
  });
});
