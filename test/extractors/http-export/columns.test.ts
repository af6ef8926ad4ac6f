/** Type inference and value checks of http-export (pure). */
import { describe, expect, it } from 'vitest';
import {
  compareWatermarks,
  inferType,
  MisfitValue,
  newColumnType,
  toColumnValue,
  toDateTime,
} from '../../../extractors/http-export/columns.js';

describe('http-export column types', () => {
  it('infers a type from each kind of JSON value', () => {
    expect(
      [
        true,
        3,
        -2.5,
        '2024-02-29',
        '2024-02-30',
        '2024-03-01T10:00:00Z',
        'abc',
        { a: 1 },
        [1],
        null,
      ].map(inferType),
    ).toEqual([
      'boolean',
      'integer',
      'number',
      'date',
      'string',
      'datetime',
      'string',
      'json',
      'json',
      undefined,
    ]);
  });

  it('keys are not Nullable, other columns are; a declaration wins over the value', () => {
    expect(newColumnType(undefined, 5, true)).toBe('Int64');
    expect(newColumnType(undefined, 5, false)).toBe('Nullable(Int64)');
    expect(newColumnType('number', 5, false)).toBe('Nullable(Float64)');
    expect(newColumnType(undefined, null, false)).toBeUndefined();
  });

  it('date-times become the same instant in UTC with every fraction digit kept', () => {
    expect(toDateTime('2024-03-01T09:00:00.123456+02:00')).toBe('2024-03-01 07:00:00.123456');
    expect(toDateTime('2024-03-01 09:00')).toBe('2024-03-01 09:00:00.000000');
    expect(toDateTime('2024-03-01T09:00:00.1234567Z')).toBeUndefined();
    expect(toDateTime('2024-03-01T25:00:00Z')).toBeUndefined();
  });

  it('writes values unchanged or refuses them', () => {
    expect(toColumnValue({ a: [1] }, 'Nullable(String)')).toBe('{"a":[1]}');
    expect(toColumnValue(7, 'Nullable(Float64)')).toBe(7);
    expect(toColumnValue(null, 'Nullable(Int64)')).toBeNull();
    for (const [value, type] of [
      [1.5, 'Int64'],
      ['7', 'Int64'],
      [2 ** 53 + 2, 'Int64'],
      [1, 'Bool'],
      [5, 'Nullable(String)'],
      ['2024-03-01T10:00:00Z', 'Nullable(Date32)'],
      ['1899-12-31', 'Nullable(Date32)'],
    ] as const) {
      expect(() => toColumnValue(value, type), `${value} into ${type}`).toThrow(MisfitValue);
    }
  });

  it('compares watermarks as numbers, instants or text', () => {
    expect(compareWatermarks(10, 9)).toBeGreaterThan(0);
    expect(compareWatermarks('2024-03-01T09:00:00+02:00', '2024-03-01T08:00:00Z')).toBeLessThan(0);
    expect(
      compareWatermarks('2024-03-01T08:00:00.000001Z', '2024-03-01T08:00:00Z'),
    ).toBeGreaterThan(0);
    expect(compareWatermarks('b', 'a')).toBeGreaterThan(0);
    expect(compareWatermarks(1, 'a')).toBeUndefined();
  });
});
