/**
 * The Google Play dbt models (staging per report, int_google_play__app_daily for the cross-store
 * app mart), built by real dbt through the ClickHouse HTTP server over raw tables created with
 * the extractor's own DDL: exact rows, restated files replacing earlier loads, earnings netted
 * per day and country, installs and revenue joined without double counting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { googlePlaySource } from '../../extractors/google-play/source.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { loadRaw } from '../support/raw-load.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { googlePlayEarningsRow, googlePlayInstallRow } from './app-rows.js';

let clickhouse: TestWarehouse;

/** Streams only need their config to read; their tables are fixed. */
const STREAMS: AnyStream<unknown>[] = [...googlePlaySource.streams({} as never)];

const load = (table: string, rows: Record<string, unknown>[], loadedAt: string) =>
  loadRaw(clickhouse.client, table, rows, loadedAt);

beforeAll(async () => {
  clickhouse = await startWarehouse();
  const { client } = clickhouse;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  for (const stream of STREAMS) await client.command({ query: createTableSql(stream) });

  await load(
    'raw.google_play_installs_country',
    [
      googlePlayInstallRow('com.example.alpha', '2024-02-03', 'US', '10'),
      googlePlayInstallRow('com.example.alpha', '2024-02-03', 'DE', '4'),
      googlePlayInstallRow('com.example.alpha', '2024-02-04', 'US', '7'),
      // A column Play left empty that day: no installs, not an error.
      googlePlayInstallRow('com.example.alpha', '2024-02-04', 'de', null),
      googlePlayInstallRow('com.example.beta', '2024-02-03', 'US', '3'),
    ],
    '2024-02-05 06:00:00.000',
  );
  // Play rewrote February's file: 2024-02-04 US restated, read again by the next run.
  await load(
    'raw.google_play_installs_country',
    [googlePlayInstallRow('com.example.alpha', '2024-02-04', 'US', '8')],
    '2024-02-06 06:00:00.000',
  );
  await load(
    'raw.google_play_earnings',
    [
      googlePlayEarningsRow('com.example.alpha', '2024-02-03', 'US', 'Charge', '4.990000'),
      googlePlayEarningsRow('com.example.alpha', '2024-02-03', 'US', 'Google fee', '-0.748500'),
      googlePlayEarningsRow('com.example.alpha', '2024-02-03', 'US', 'Charge', '1.000001'),
      googlePlayEarningsRow('com.example.alpha', '2024-02-03', 'US', 'Charge refund', '-1.000001'),
      // Revenue on a day and country without installs.
      googlePlayEarningsRow('com.example.alpha', '2024-02-05', 'FR', 'Charge', '2.500000'),
    ],
    '2024-03-05 06:00:00.000',
  );
  await load(
    'raw.google_play_ratings_overview',
    [
      {
        package_name: 'com.example.alpha',
        date: '2024-02-03',
        daily_average_rating: null,
        total_average_rating: '4.123456789012345678',
        other_columns: {},
        source_file: 'x',
      },
    ],
    '2024-02-05 06:00:00.000',
  );
  await load(
    'raw.google_play_vitals_crash_rate',
    [
      {
        package_name: 'com.example.alpha',
        date: '2024-02-03',
        crash_rate: '0.012345678901234567',
        user_perceived_crash_rate: '0.001',
        distinct_users: '1234',
      },
    ],
    '2024-02-05 06:00:00.000',
  );

  const result = await clickhouse.dbt(
    ['build', '--select', '+int_google_play__app_daily', '+google_play_app_health_daily'],
    { vars: { google_play_enabled: true } },
  );
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
}, 600_000);

afterAll(async () => {
  await clickhouse?.destroy();
});

describe('google play dbt models', () => {
  it('builds int_google_play__app_daily with exactly the cross-store columns and types', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT name, type FROM system.columns WHERE database = 'intermediate' AND table = 'int_google_play__app_daily' ORDER BY position`,
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
  });

  it('joins new-user installs and net earnings per app, day and country', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT store, app_id, toString(date_day) AS date_day, country_code, toString(installs) AS installs,
                toString(revenue) AS revenue, currency
         FROM intermediate.int_google_play__app_daily ORDER BY app_id, date_day, country_code`,
      ),
    ).toEqual([
      {
        store: 'google_play',
        app_id: 'com.example.alpha',
        date_day: '2024-02-03',
        country_code: 'DE',
        installs: '4',
        revenue: '0',
        currency: 'EUR',
      },
      // 4.99 charge - 0.7485 fee + 1.000001 charge - 1.000001 refund.
      {
        store: 'google_play',
        app_id: 'com.example.alpha',
        date_day: '2024-02-03',
        country_code: 'US',
        installs: '10',
        revenue: '4.2415',
        currency: 'EUR',
      },
      // Play's empty cell: 0 installs; 'de' upper-cased.
      {
        store: 'google_play',
        app_id: 'com.example.alpha',
        date_day: '2024-02-04',
        country_code: 'DE',
        installs: '0',
        revenue: '0',
        currency: 'EUR',
      },
      // The restated file replaced 7 with 8.
      {
        store: 'google_play',
        app_id: 'com.example.alpha',
        date_day: '2024-02-04',
        country_code: 'US',
        installs: '8',
        revenue: '0',
        currency: 'EUR',
      },
      {
        store: 'google_play',
        app_id: 'com.example.alpha',
        date_day: '2024-02-05',
        country_code: 'FR',
        installs: '0',
        revenue: '2.5',
        currency: 'EUR',
      },
      // No earnings granted or none yet: revenue 0, no currency.
      {
        store: 'google_play',
        app_id: 'com.example.beta',
        date_day: '2024-02-03',
        country_code: 'US',
        installs: '3',
        revenue: '0',
        currency: '',
      },
    ]);
  });

  it('stages ratings and vitals exactly (NA as NULL, 18 decimal places kept)', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT toString(daily_average_rating) AS daily, toString(total_average_rating) AS total
         FROM staging.stg_google_play__ratings`,
      ),
    ).toEqual([{ daily: null, total: '4.123456789012345678' }]);
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT toString(crash_rate) AS rate, toString(distinct_users) AS users FROM staging.stg_google_play__vitals_crash_rate`,
      ),
    ).toEqual([{ rate: '0.012345678901234567', users: '1234' }]);
  });

  it('puts each app health on one row per day, NULL where a source reported nothing', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT package_name, toString(date_day) AS date_day, toString(daily_average_rating) AS daily_rating,
                toString(total_average_rating) AS total_rating, toString(crash_rate) AS crash_rate,
                toString(anr_rate) AS anr_rate, toString(daily_device_installs) AS device_installs
         FROM analytics.google_play_app_health_daily ORDER BY package_name, date_day`,
      ),
    ).toEqual([
      {
        package_name: 'com.example.alpha',
        date_day: '2024-02-03',
        daily_rating: null,
        total_rating: '4.123456789012345678',
        crash_rate: '0.012345678901234567',
        anr_rate: null,
        device_installs: null,
      },
    ]);
  });
});
