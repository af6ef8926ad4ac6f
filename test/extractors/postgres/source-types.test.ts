/** The mapping from PostgreSQL's catalog to ClickHouse types, and raw-column widening (pure). */
import { expect, test } from 'vitest';
import { ConfigError } from '../../../extractors/core/errors.js';
import { holdsType, widen } from '../../../extractors/postgres/raw-types.js';
import { mapColumn } from '../../../extractors/postgres/source-types.js';

const column = (
  name: string,
  base: string,
  nullable: boolean,
  precision: number | null = null,
  scale: number | null = null,
) => ({ name, type: base, base, nullable, precision, scale });

test('each source type maps to a ClickHouse type holding every value; NULLs stay NULLs', () => {
  expect(mapColumn('t', column('campaign_id', 'int4', true)).clickhouse).toBe('Nullable(Int64)');
  expect(mapColumn('t', column('campaign_id', 'int4', false)).clickhouse).toBe('Int64');
  // The key is never Nullable: a NULL id is a value that cannot be represented.
  const id = mapColumn('t', column('id', 'int8', true));
  expect(id.clickhouse).toBe('Int64');
  expect(id.unrepresentable).toBe('"id" IS NULL');
  expect(mapColumn('t', column('bid', 'numeric', false, 20, 4)).clickhouse).toBe('Decimal(20, 4)');
  // PostgreSQL 15: negative scale rounds to tens; scale above precision holds fractions only.
  expect(mapColumn('t', column('n', 'numeric', false, 3, -2)).clickhouse).toBe('Decimal(5, 0)');
  expect(mapColumn('t', column('n', 'numeric', false, 2, 4)).clickhouse).toBe('Decimal(4, 4)');
  expect(mapColumn('t', column('n', 'numeric', true)).clickhouse).toBe('Nullable(Decimal(76, 38))');
  expect(mapColumn('t', column('n', 'numeric', false, 1000, 2)).clickhouse).toBe('Decimal(76, 38)');
  expect(mapColumn('t', column('d', 'date', true)).clickhouse).toBe('Nullable(Date32)');
  expect(mapColumn('t', column('ts', 'timestamp', false)).clickhouse).toBe("DateTime64(6, 'UTC')");
  expect(mapColumn('t', column('name', 'varchar', true)).clickhouse).toBe('Nullable(String)');
  expect(() => mapColumn('public.x', column('j', 'jsonb', true))).toThrow(ConfigError);
  expect(() => mapColumn('public.x', column('j', 'jsonb', true))).toThrow(
    /column j of public\.x has type jsonb/,
  );
});

test('range and special values are checked where ClickHouse is narrower than PostgreSQL', () => {
  expect(mapColumn('t', column('d', 'date', true)).unrepresentable).toBe(
    `"d" < DATE '1900-01-01' OR "d" > DATE '2299-12-31'`,
  );
  expect(mapColumn('t', column('n', 'numeric', false, 10, 2)).unrepresentable).toMatch(/'NaN'/);
  expect(mapColumn('t', column('n', 'numeric', false)).unrepresentable).toMatch(
    /abs\("n"\) >= 1e38 OR "n" <> round\("n", 38\)/,
  );
  expect(mapColumn('t', column('i', 'int8', true)).unrepresentable).toBeNull();
});

test('widening: the narrowest type holding both, never narrower, undefined across kinds', () => {
  expect(widen('Decimal(12, 2)', 'Decimal(20, 4)')).toBe('Decimal(20, 4)');
  // 10 integer digits and 4 decimals need Decimal(14, 4), not Decimal(12, 4).
  expect(widen('Nullable(Decimal(12, 2))', 'Decimal(10, 4)')).toBe('Nullable(Decimal(14, 4))');
  expect(widen('Decimal(20, 4)', 'Decimal(12, 2)')).toBe('Decimal(20, 4)');
  expect(widen('Int64', 'Nullable(Int64)')).toBe('Nullable(Int64)');
  expect(widen("Nullable(DateTime64(6, 'UTC'))", "DateTime64(6,'UTC')")).toBe(
    "Nullable(DateTime64(6, 'UTC'))",
  );
  expect(widen('Decimal(76, 38)', 'Decimal(76, 0)')).toBeUndefined();
  expect(widen('String', 'Int64')).toBeUndefined();
  expect(widen('Date32', "DateTime64(6, 'UTC')")).toBeUndefined();
});

test('a widened raw column holds its declared type; a narrower or other one does not', () => {
  expect(holdsType('Nullable(Decimal(20, 4))', 'Nullable(Decimal(10, 2))')).toBe(true);
  expect(holdsType('Nullable(Int64)', 'Int64')).toBe(true);
  expect(holdsType("DateTime64(6, 'UTC')", "DateTime64(6,'UTC')")).toBe(true);
  // 8 integer digits do not fit Decimal(10, 4)'s 6.
  expect(holdsType('Decimal(10, 4)', 'Decimal(10, 2)')).toBe(false);
  expect(holdsType('Int64', 'Nullable(Int64)')).toBe(false);
  expect(holdsType('String', 'Int64')).toBe(false);
});

test('the same rule over PostgreSQL text (CDC changes): every edge on the right side', () => {
  const rejects = (type: string, precision?: number, scale?: number) => {
    const check = mapColumn('t', column('c', type, true, precision, scale)).rejectsText;
    if (!check) throw new Error(`${type}: no text rule`);
    return check;
  };
  const day = rejects('date');
  for (const ok of ['1900-01-01', '2026-11-29', '2299-12-31']) expect(day(ok), ok).toBe(false);
  for (const bad of [
    '1899-12-31',
    '2300-01-01',
    '9999-12-31',
    '0001-01-01 BC',
    'infinity',
    '-infinity',
    '12345-01-01',
  ])
    expect(day(bad), bad).toBe(true);
  const time = rejects('timestamp');
  for (const ok of ['1900-01-01 00:00:00', '2299-12-31 23:59:59.999999', '2026-01-01 12:00:00.5'])
    expect(time(ok), ok).toBe(false);
  for (const bad of ['1899-12-31 23:59:59.999999', '2300-01-01 00:00:00', 'infinity'])
    expect(time(bad), bad).toBe(true);
  const bounded = rejects('numeric', 12, 2);
  expect(bounded('1234567890.12')).toBe(false);
  for (const bad of ['NaN', 'Infinity', '-Infinity']) expect(bounded(bad), bad).toBe(true);
  const wide = rejects('numeric');
  expect(wide(`${'9'.repeat(38)}.${'1'.repeat(38)}`)).toBe(false);
  expect(wide(`-0.${'0'.repeat(37)}1000`)).toBe(false);
  expect(wide(`1${'0'.repeat(38)}`)).toBe(true);
  expect(wide(`0.${'0'.repeat(38)}1`)).toBe(true);
  expect(mapColumn('t', column('i', 'int8', true)).rejectsText).toBeNull();
});
