/**
 * The App Store dbt models (staging, and int_app_store__app_daily in the cross-store shape),
 * built by real dbt through the ClickHouse HTTP server over raw tables created with the
 * extractor's own DDL: exact rows, restatements replacing earlier loads, in-app purchases
 * credited to their app, refunds, installs counted from first-time downloads only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appStoreSource } from '../../extractors/app-store/source.js';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { loadRaw } from '../support/raw-load.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { appStoreSale } from './app-rows.js';

let clickhouse: TestWarehouse;
const STREAMS: AnyStream<unknown>[] = [...appStoreSource.streams({} as never)];

const load = (table: string, rows: Record<string, unknown>[], loadedAt: string) =>
  loadRaw(clickhouse.client, table, rows, loadedAt);

const FIT = { sku: 'FITPRO', id: '1111111111', currency: 'USD', country: 'US' };
const PREMIUM = { sku: 'FITPRO.PREMIUM', id: '111111111101', parent: 'FITPRO', type: 'IA1' };

beforeAll(async () => {
  clickhouse = await startWarehouse();
  const { client } = clickhouse;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  for (const stream of STREAMS) await client.command({ query: createTableSql(stream) });
  const first = '2024-03-03 12:00:00.000';
  const restated = '2024-03-04 12:00:00.000';
  await load(
    'raw.app_store_sales_summary',
    [
      appStoreSale({ ...FIT, day: '2024-03-01', type: '1', units: '41', proceeds: '0' }),
      appStoreSale({
        ...FIT,
        day: '2024-03-01',
        type: '1F',
        units: '8',
        proceeds: '0',
        country: 'DE',
        currency: 'EUR',
      }),
      // Redownloads and updates are not installs.
      appStoreSale({ ...FIT, day: '2024-03-01', type: '3', units: '6', proceeds: '0' }),
      appStoreSale({ ...FIT, day: '2024-03-01', type: '7', units: '100', proceeds: '0' }),
      // In-app purchases: per-unit proceeds × units, a refund subtracting, credited to the app.
      appStoreSale({
        ...PREMIUM,
        day: '2024-03-01',
        units: '2',
        proceeds: '27.993',
        country: 'US',
        currency: 'USD',
      }),
      appStoreSale({
        ...PREMIUM,
        day: '2024-03-01',
        units: '-1',
        proceeds: '27.993',
        country: 'US',
        currency: 'USD',
        reason: 'Refund',
      }),
      appStoreSale({
        ...PREMIUM,
        day: '2024-03-01',
        units: '1',
        proceeds: '33.61',
        country: 'DE',
        currency: 'EUR',
      }),
      // Loaded once, then restated by Apple.
      appStoreSale({ ...FIT, day: '2024-03-02', type: '1', units: '45', proceeds: '0' }),
      // Another vendor: an iPad app paid in yen, and an in-app purchase whose app is unknown.
      appStoreSale({
        vendor: '85000002',
        sku: 'ZEN2',
        id: '3333333333',
        day: '2024-03-01',
        type: '1T',
        units: '3',
        proceeds: '840',
        country: 'JP',
        currency: 'JPY',
      }),
      appStoreSale({
        vendor: '85000002',
        sku: 'OLD.COINS',
        id: '9999999901',
        parent: 'GONE',
        day: '2024-03-01',
        type: 'IA1',
        units: '2',
        proceeds: '250',
        country: 'JP',
        currency: 'JPY',
      }),
    ],
    first,
  );
  await load(
    'raw.app_store_sales_summary',
    [appStoreSale({ ...FIT, day: '2024-03-02', type: '1', units: '47', proceeds: '0' })],
    restated,
  );
  const analytics = (counts: string, unique: string | undefined, report: string) => ({
    app_id: '1111111111',
    report_name: report,
    report_category: 'COMMERCE',
    processing_date: '2024-03-02',
    date: '2024-03-01',
    app_name: 'Fit Pro',
    dimension_values: JSON.stringify(
      report === 'App Downloads Standard'
        ? { 'Download Type': 'First-time download', Territory: 'US' }
        : { Event: 'Impression', Territory: 'US' },
    ),
    measures:
      unique === undefined ? { Counts: counts } : { Counts: counts, 'Unique Counts': unique },
  });
  await load(
    'raw.app_store_analytics_report',
    [analytics('40', undefined, 'App Downloads Standard')],
    first,
  );
  await load(
    'raw.app_store_analytics_report',
    [
      analytics('41', undefined, 'App Downloads Standard'),
      analytics('1200', '900', 'App Store Discovery and Engagement Standard'),
    ],
    restated,
  );

  const result = await clickhouse.dbt(
    ['build', '--select', '+int_app_store__app_daily', '+int_app_store__discovery_daily'],
    {
      vars: { app_store_enabled: true },
    },
  );
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
});

afterAll(async () => {
  await clickhouse?.destroy();
});

describe('app store dbt models', () => {
  it('builds int_app_store__app_daily with exactly the cross-store columns and rows', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT name, type FROM system.columns WHERE database = 'intermediate' AND table = 'int_app_store__app_daily' ORDER BY position`,
      ),
    ).toEqual([
      { name: 'store', type: 'String' },
      { name: 'app_id', type: 'String' },
      { name: 'date_day', type: 'Date' },
      { name: 'country_code', type: 'String' },
      { name: 'installs', type: 'Int64' },
      { name: 'revenue', type: 'Decimal(38, 6)' },
      { name: 'currency', type: 'String' },
    ]);
    const rows = await queryRows(
      clickhouse.client,
      `SELECT store, app_id, toString(date_day) AS date_day, country_code, toString(installs) AS installs,
              toString(revenue) AS revenue, currency
       FROM intermediate.int_app_store__app_daily ORDER BY app_id, date_day, country_code, currency`,
    );
    expect(rows).toEqual([
      // 8 first-time downloads; one in-app purchase at 33.61.
      {
        store: 'app_store',
        app_id: '1111111111',
        date_day: '2024-03-01',
        country_code: 'DE',
        installs: '8',
        revenue: '33.61',
        currency: 'EUR',
      },
      // 41 first-time downloads (not the 6 redownloads or 100 updates); 2 × 27.993 − 27.993.
      {
        store: 'app_store',
        app_id: '1111111111',
        date_day: '2024-03-01',
        country_code: 'US',
        installs: '41',
        revenue: '27.993',
        currency: 'USD',
      },
      // The restated 47, not the first 45.
      {
        store: 'app_store',
        app_id: '1111111111',
        date_day: '2024-03-02',
        country_code: 'US',
        installs: '47',
        revenue: '0',
        currency: 'USD',
      },
      // A paid iPad app: 3 × 840.
      {
        store: 'app_store',
        app_id: '3333333333',
        date_day: '2024-03-01',
        country_code: 'JP',
        installs: '3',
        revenue: '2520',
        currency: 'JPY',
      },
      // An in-app purchase whose parent app is not in the data stays under its own id.
      {
        store: 'app_store',
        app_id: '9999999901',
        date_day: '2024-03-01',
        country_code: 'JP',
        installs: '0',
        revenue: '500',
        currency: 'JPY',
      },
    ]);
  });

  it('sums the discovery funnel per app, day and territory', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT app_id, toString(date_day) AS date_day, territory, toString(impressions) AS impressions,
                toString(product_page_views) AS product_page_views, toString(first_time_downloads) AS first_time_downloads
         FROM intermediate.int_app_store__discovery_daily`,
      ),
    ).toEqual([
      // The restated downloads (41, not 40) and the engagement report's impressions.
      {
        app_id: '1111111111',
        date_day: '2024-03-01',
        territory: 'US',
        impressions: '1200',
        product_page_views: '0',
        first_time_downloads: '41',
      },
    ]);
  });

  it('reads the latest restatement of analytics rows with their counts', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT report_name, toString(date_day) AS date_day, territory, toString(counts) AS counts, toString(unique_counts) AS unique_counts
         FROM staging.stg_app_store__analytics_report ORDER BY report_name`,
      ),
    ).toEqual([
      {
        report_name: 'App Downloads Standard',
        date_day: '2024-03-01',
        territory: 'US',
        counts: '41',
        unique_counts: '0',
      },
      {
        report_name: 'App Store Discovery and Engagement Standard',
        date_day: '2024-03-01',
        territory: 'US',
        counts: '1200',
        unique_counts: '900',
      },
    ]);
  });
});
