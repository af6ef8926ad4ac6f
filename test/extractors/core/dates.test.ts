/** The calendar-day helpers every part shares (extractors/core/dates.ts). */
import { describe, expect, test } from 'vitest';
import {
  addDays,
  calendarDayIn,
  daysBetween,
  instantOnDay,
  isCalendarDay,
} from '../../../extractors/core/dates.js';

describe('calendar days', () => {
  test('addDays crosses months, leap days and years, both ways', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-03-10', 0)).toBe('2024-03-10');
  });

  test('daysBetween counts [since, until), also across a DST change', () => {
    expect(daysBetween('2024-03-01', '2024-03-11')).toBe(10);
    expect(daysBetween('2024-03-30', '2024-04-01')).toBe(2);
    expect(daysBetween('2024-03-11', '2024-03-01')).toBe(-10);
    expect(daysBetween('2024-03-01', '2024-03-01')).toBe(0);
  });

  test('calendarDayIn is the day in the given zone, not in UTC', () => {
    const instant = new Date('2026-11-20T23:30:00Z');
    expect(calendarDayIn(instant, 'UTC')).toBe('2026-11-20');
    expect(calendarDayIn(instant, 'Pacific/Auckland')).toBe('2026-11-21');
    expect(calendarDayIn(instant, 'Pacific/Honolulu')).toBe('2026-11-20');
  });

  test.each([
    'UTC',
    'Europe/Berlin',
    'Pacific/Auckland',
    'Pacific/Honolulu',
    // Beyond ±12h: noon UTC falls on another calendar day there.
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'Etc/GMT+12',
  ])('instantOnDay gives an instant on that day in %s', (zone) => {
    for (const day of ['2026-01-01', '2026-03-29', '2026-11-20', '2024-02-29']) {
      expect(calendarDayIn(instantOnDay(day, zone), zone)).toBe(day);
    }
  });

  test('isCalendarDay accepts real days only, written YYYY-MM-DD', () => {
    for (const good of ['2026-02-28', '2024-02-29', '2026-12-31', '0001-01-01']) {
      expect(isCalendarDay(good), good).toBe(true);
    }
    for (const bad of ['2026-02-30', '2026-13-45', '2023-02-29', '2026-1-5', '20260105', '', 'x']) {
      expect(isCalendarDay(bad), bad).toBe(false);
    }
  });
});
