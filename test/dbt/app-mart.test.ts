/**
 * The cross-store app mart (`app_daily_performance`), built by real dbt with both stores on, over
 * raw tables created with the Google Play and App Store extractors' own DDL: the union of the two
 * stores' intermediate models, one row per store, app, day, country and currency, amounts never
 * summed across currencies, and the grain test passing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appStoreSource } from '../../extractors/app-store/source.js';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { googlePlaySource } from '../../extractors/google-play/source.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { loadRaw } from '../support/raw-load.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { appStoreSale, googlePlayEarningsRow, googlePlayInstallRow } from './app-rows.js';

let clickhouse: TestWarehouse;
const STREAMS: AnyStream<unknown>[] = [
  ...googlePlaySource.streams({} as never),
  ...appStoreSource.streams({} as never),
];
const LOADED = '2024-03-03 12:00:00.000';
const FIT = { sku: 'FITPRO', id: '1111111111' };

beforeAll(async () => {
  clickhouse = await startWarehouse();
  const { client } = clickhouse;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  for (const stream of STREAMS) await client.command({ query: createTableSql(stream) });
  await loadRaw(
    client,
    'raw.google_play_installs_country',
    [
      googlePlayInstallRow('com.example.fit', '2024-03-01', 'US', '10'),
      googlePlayInstallRow('com.example.fit', '2024-03-01', 'DE', '4'),
    ],
    LOADED,
  );
  await loadRaw(
    client,
    'raw.google_play_earnings',
    [
      googlePlayEarningsRow('com.example.fit', '2024-03-01', 'US', 'Charge', '5.000000'),
      googlePlayEarningsRow('com.example.fit', '2024-03-01', 'US', 'Google fee', '-0.750000'),
    ],
    LOADED,
  );
  await loadRaw(
    client,
    'raw.app_store_sales_summary',
    [
      appStoreSale({
        ...FIT,
        day: '2024-03-01',
        type: '1',
        units: '41',
        proceeds: '0',
        country: 'US',
        currency: 'USD',
      }),
      appStoreSale({
        ...FIT,
        day: '2024-03-01',
        type: '1F',
        units: '8',
        proceeds: '0',
        country: 'DE',
        currency: 'EUR',
      }),
      // An in-app purchase in the same country and day: revenue on the app's row, no installs.
      appStoreSale({
        sku: 'FITPRO.PREMIUM',
        id: '111111111101',
        parent: 'FITPRO',
        day: '2024-03-01',
        type: 'IA1',
        units: '2',
        proceeds: '3.490000',
        country: 'US',
        currency: 'USD',
      }),
    ],
    LOADED,
  );
  const result = await clickhouse.dbt(['build', '--select', '+app_daily_performance'], {
    vars: { google_play_enabled: true, app_store_enabled: true },
  });
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
}, 600_000);

afterAll(async () => {
  await clickhouse?.destroy();
});

describe('app_daily_performance', () => {
  it('unions both stores: installs and revenue per store, app, day, country and currency', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT store, app_id, toString(date_day) AS date_day, country_code, currency,
                toString(installs) AS installs, toString(revenue) AS revenue
         FROM analytics.app_daily_performance ORDER BY store, app_id, date_day, country_code`,
      ),
    ).toEqual([
      {
        store: 'app_store',
        app_id: '1111111111',
        date_day: '2024-03-01',
        country_code: 'DE',
        currency: 'EUR',
        installs: '8',
        revenue: '0',
      },
      // 41 first-time downloads; 2 × 3.49 in-app proceeds credited to the app.
      {
        store: 'app_store',
        app_id: '1111111111',
        date_day: '2024-03-01',
        country_code: 'US',
        currency: 'USD',
        installs: '41',
        revenue: '6.98',
      },
      // No earnings in Germany: the install row carries the app's merchant currency, revenue 0.
      {
        store: 'google_play',
        app_id: 'com.example.fit',
        date_day: '2024-03-01',
        country_code: 'DE',
        currency: 'EUR',
        installs: '4',
        revenue: '0',
      },
      // 5.00 charge net of the 0.75 fee.
      {
        store: 'google_play',
        app_id: 'com.example.fit',
        date_day: '2024-03-01',
        country_code: 'US',
        currency: 'EUR',
        installs: '10',
        revenue: '4.25',
      },
    ]);
  });

  it('has the documented columns and types, in the analytics database Superset reads', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT name, type FROM system.columns
         WHERE database = 'analytics' AND table = 'app_daily_performance' ORDER BY position`,
      ),
    ).toEqual([
      { name: 'store', type: 'String' },
      { name: 'app_id', type: 'String' },
      { name: 'date_day', type: 'Date' },
      { name: 'country_code', type: 'String' },
      { name: 'currency', type: 'String' },
      { name: 'installs', type: 'Int64' },
      { name: 'revenue', type: 'Decimal(38, 6)' },
    ]);
  });
});
