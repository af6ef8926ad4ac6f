/** The one column list per table: value canonicalisation, and every query derived from it. */
import { expect, test } from 'vitest';
import {
  ADVERTISER_COLUMNS,
  CAMPAIGN_COLUMNS,
  canonical,
  copySelectList,
  EVENT_COLUMNS,
  postgresSelectList,
  pullSelectList,
  sameRow,
  sourceColumns,
} from '../../../extractors/postgres/columns.js';
import { streams } from '../../../extractors/postgres/streams.js';

test('PostgreSQL and ClickHouse spellings of one value compare equal', () => {
  const ts = "DateTime64(6, 'UTC')";
  expect(canonical(ts, '2026-01-02 03:04:05')).toBe(canonical(ts, '2026-01-02 03:04:05.000000'));
  expect(canonical(ts, '2026-01-02 03:04:05.5')).toBe('2026-01-02 03:04:05.500000');
  expect(canonical('Decimal(10, 2)', '12.50')).toBe(canonical('Decimal(10, 2)', '12.5'));
  expect(canonical('Decimal(10, 2)', '3.00')).toBe('3');
  expect(canonical('Int64', 5)).toBe('5');
  expect(canonical(ts, null)).toBeNull();
});

test('rows compare by canonical values of the source columns only', () => {
  const row = { id: '1', name: 'a', updated_at: null, created_at: '2026-01-02 03:04:05' };
  expect(
    sameRow(ADVERTISER_COLUMNS, row, { ...row, created_at: '2026-01-02 03:04:05.000000' }),
  ).toBe(true);
  expect(sameRow(ADVERTISER_COLUMNS, row, { ...row, name: 'b' })).toBe(false);
  expect(sameRow(ADVERTISER_COLUMNS, row, { ...row, _deleted: '1' })).toBe(true);
});

test('PostgreSQL has every column but _deleted, which comes last in ClickHouse', () => {
  for (const columns of [ADVERTISER_COLUMNS, CAMPAIGN_COLUMNS, EVENT_COLUMNS]) {
    expect(Object.keys(columns).at(-1)).toBe('_deleted');
    expect(sourceColumns(columns)).toEqual(Object.keys(columns).slice(0, -1));
  }
  expect(sourceColumns(EVENT_COLUMNS)).toEqual(['id', 'campaign_id', 'created_at']);
});

test('the streams write the declared columns', () => {
  const byName = Object.fromEntries(streams.map((stream) => [stream.name, stream.columns]));
  expect(byName).toEqual({
    advertiser: ADVERTISER_COLUMNS,
    campaign: CAMPAIGN_COLUMNS,
    impressions: EVENT_COLUMNS,
    clicks: EVENT_COLUMNS,
  });
});

test('the SELECT, COPY and pull lists are derived from the one column list', () => {
  expect(postgresSelectList(EVENT_COLUMNS)).toBe('"id", "campaign_id", "created_at"');
  // COPY output is positional: the raw table's order, `_deleted` as 0.
  expect(copySelectList(EVENT_COLUMNS)).toBe('"id", "campaign_id", "created_at", 0');
  // ClickHouse's own read: timestamps as read (the insert reads them in UTC, PULL_SETTINGS).
  expect(pullSelectList(EVENT_COLUMNS)).toBe('id, campaign_id, created_at, toUInt8(0)');
  expect(postgresSelectList(CAMPAIGN_COLUMNS).split(', ')).toHaveLength(
    Object.keys(CAMPAIGN_COLUMNS).length - 1,
  );
});
