/**
 * Demo data for the dashboard's models: raw PostgreSQL-lineage rows (test/dbt/raw-tables.ts) and
 * Facebook/Google Ads rows in tables made with the extractors' own DDL, the last four UTC days
 * up to today (so the dashboard's default date range shows them and today is a partial day), a
 * campaign delivering before its flight, two currencies; built by real dbt into `analytics`.
 */
import { expect } from 'vitest';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { facebookAdsSource } from '../../extractors/facebook-ads/source.js';
import { googleAdsSource } from '../../extractors/google-ads/source.js';
import {
  events,
  loadAdvertisers,
  loadCampaigns,
  loadClicks,
  loadImpressions,
  resetWarehouse,
} from '../dbt/raw-tables.js';
import { failedNodes } from '../support/dbt.js';
import type { TestWarehouse } from '../support/warehouse.js';

/** YYYY-MM-DD of today (UTC) plus `offset` days. */
const utcDay = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const LOAD = { loadedAt: `${utcDay(0)} 00:00:00.000` };
const DAYS = [utcDay(-3), utcDay(-2), utcDay(-1), utcDay(0)];
export const DASHBOARD_MODELS = [
  '+advertiser_campaigns_totals_report',
  '+advertiser_campaigns_daily_ctr_report',
  '+ads_daily_performance',
];

const version = (loadedAt: string) =>
  (BigInt(Date.parse(`${loadedAt.replace(' ', 'T')}Z`)) * 1000n).toString();

/** Load the rows and build the dashboard's models; returns dbt's wall time in seconds. */
export async function loadDemoData(warehouse: TestWarehouse): Promise<number> {
  const { client } = warehouse;
  await resetWarehouse(client);
  const anyConfig = {} as never;
  const adStreams: AnyStream<unknown>[] = [
    ...facebookAdsSource.streams(anyConfig),
    ...googleAdsSource.streams(anyConfig),
  ];
  for (const stream of adStreams) await client.command({ query: createTableSql(stream) });

  await loadAdvertisers(
    client,
    [
      { id: 1, name: 'Acme' },
      { id: 2, name: 'Globex' },
    ],
    LOAD,
  );
  await loadCampaigns(
    client,
    [
      {
        id: 10,
        advertiser_id: 1,
        name: 'Spring sale',
        bid: '2.00',
        budget: '100.00',
        start_date: utcDay(-45),
        end_date: utcDay(16),
      },
      {
        id: 11,
        advertiser_id: 2,
        name: 'Brand awareness',
        bid: '1.50',
        budget: '50.00',
        start_date: utcDay(-9),
        end_date: utcDay(46),
      },
      // Starts tomorrow, yet the ad server already delivered yesterday.
      {
        id: 12,
        advertiser_id: 2,
        name: 'Teaser',
        bid: '3.00',
        budget: '80.00',
        start_date: utcDay(1),
        end_date: utcDay(30),
      },
    ],
    LOAD,
  );
  let id = 1;
  const impressions = [];
  const clicks = [];
  for (const [i, day] of DAYS.entries()) {
    for (const campaign of [10, 11]) {
      const count = 20 + 5 * i + (campaign === 11 ? 7 : 0);
      impressions.push(...events(id, count, campaign, `${day} 10:00:00`));
      id += count;
      const clickCount = 1 + ((i + campaign) % 3);
      clicks.push(...events(id, clickCount, campaign, `${day} 11:00:00`));
      id += clickCount;
    }
  }
  // Outside the dashboard's default date range (the last 30 days): never on a chart by default.
  impressions.push(...events(id, 500, 10, `${utcDay(-40)} 09:00:00`));
  id += 500;
  impressions.push(...events(id, 15, 12, `${utcDay(-1)} 09:00:00`));
  id += 15;
  clicks.push(...events(id, 2, 12, `${utcDay(-1)} 09:30:00`));
  id += 2;
  await loadImpressions(client, impressions, LOAD);
  await loadClicks(client, clicks, LOAD);

  const meta = { _version: version(LOAD.loadedAt), _loaded_at: LOAD.loadedAt, _run_id: 'demo' };
  /** Inserts one row a demo day (what `row` makes of the day and its index) with the load columns. */
  const insertDaily = (table: string, row: (date: string, i: number) => Record<string, unknown>) =>
    client.insert({
      table,
      format: 'JSONEachRow',
      values: DAYS.map((date, i) => ({ ...row(date, i), ...meta })),
    });
  await insertDaily('raw.facebook_ads_ads_insights', (date, i) => ({
    account_id: '1001',
    account_currency: 'USD',
    account_timezone: 'UTC',
    date,
    breakdowns: '',
    breakdown_values: '{}',
    campaign_id: '2001',
    campaign_name: 'Spring sale (Facebook)',
    adset_id: '3001',
    adset_name: 'US 18-34',
    ad_id: '4001',
    ad_name: 'Red shoe',
    impressions: String(1000 + 100 * i),
    clicks: String(10 + i),
    spend: `${12 + i}.50`,
    actions: '[]',
    action_values: '[]',
    actions_flat: {},
    action_values_flat: {},
  }));
  await insertDaily('raw.google_ads_campaign_daily', (date, i) => ({
    customer_id: '1234567890',
    currency_code: 'EUR',
    time_zone: 'UTC',
    campaign_id: '101',
    campaign_name: 'Search brand',
    date,
    impressions: String(2000 - 100 * i),
    clicks: String(40 + 3 * i),
    cost_micros: String((20 + i) * 1_000_000),
    conversions: 1,
    conversions_value: 10,
  }));

  const started = Date.now();
  const result = await warehouse.dbt(['build', '--select', ...DASHBOARD_MODELS], {
    vars: { facebook_ads_enabled: true, google_ads_enabled: true },
  });
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
  return (Date.now() - started) / 1000;
}
