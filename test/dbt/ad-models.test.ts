/**
 * The ad-platform dbt models (staging per source, the per-platform intermediate mapping, the
 * `ads_daily_performance` and `web_sessions_daily` marts), built by real dbt through the
 * ClickHouse HTTP server over raw tables created with the extractors' own DDL: exact mart rows,
 * restatements, breakdown rows not double counted, no division by zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { facebookAdsSource } from '../../extractors/facebook-ads/source.js';
import { googleAdsSource } from '../../extractors/google-ads/source.js';
import { googleAnalyticsSource } from '../../extractors/google-analytics/source.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { loadRaw } from '../support/raw-load.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

const MODELS = ['+ads_daily_performance', '+web_sessions_daily'];
/** The ad models are off by default (dbt_project.yml); the ad DAGs switch them on like this. */
const ALL_PLATFORMS = {
  facebook_ads_enabled: true,
  google_ads_enabled: true,
  google_analytics_enabled: true,
};
const MART_ROWS = `SELECT channel, account_id, currency, campaign_id, campaign_name, campaign_status, toString(date_day) AS date_day,
              impressions, clicks, toString(spend) AS spend, conversions, ctr,
              toString(cpc) AS cpc, toString(cpm) AS cpm
       FROM analytics.ads_daily_performance ORDER BY channel, account_id, campaign_id, date_day`;
const MART_COLUMNS = `SELECT name, type FROM system.columns
       WHERE database = 'analytics' AND table = 'ads_daily_performance' ORDER BY position`;

let clickhouse: TestWarehouse;

/** Streams only need their config to read; their tables are fixed. */
const anyConfig = {} as never;
const STREAMS: AnyStream<unknown>[] = [
  ...facebookAdsSource.streams(anyConfig),
  ...googleAdsSource.streams(anyConfig),
  ...googleAnalyticsSource.streams(anyConfig),
];

const load = (table: string, rows: Record<string, unknown>[], loadedAt: string) =>
  loadRaw(clickhouse.client, table, rows, loadedAt);

const fbRow = (overrides: Record<string, unknown>) => ({
  account_id: '1001',
  account_currency: 'USD',
  account_timezone: 'America/Los_Angeles',
  date: '2024-03-01',
  breakdowns: '',
  breakdown_values: '{}',
  campaign_id: '2001',
  campaign_name: 'Spring sale',
  adset_id: '3001',
  adset_name: 'US 18-34',
  ad_id: '4001',
  ad_name: 'Red shoe',
  impressions: '0',
  clicks: '0',
  spend: '0',
  actions: '[]',
  action_values: '[]',
  actions_flat: {},
  action_values_flat: {},
  ...overrides,
});

const googleRow = (overrides: Record<string, unknown>) => ({
  customer_id: '1234567890',
  currency_code: 'EUR',
  time_zone: 'Europe/Paris',
  campaign_id: '101',
  campaign_name: 'Search brand',
  date: '2024-03-01',
  impressions: '0',
  clicks: '0',
  cost_micros: '0',
  conversions: 0,
  conversions_value: 0,
  ...overrides,
});

beforeAll(async () => {
  clickhouse = await startWarehouse();
  const { client } = clickhouse;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  for (const stream of STREAMS) await client.command({ query: createTableSql(stream) });

  const first = '2024-03-05 01:00:00.000';
  const restated = '2024-03-06 01:00:00.000';
  await load(
    'raw.facebook_ads_ads_insights',
    [
      fbRow({
        impressions: '1000',
        clicks: '10',
        spend: '12.34',
        actions_flat: { purchase: '2', link_click: '8' },
        action_values_flat: { purchase: '59.98' },
      }),
      // Restated the next day (late attribution): the later load replaces it.
      fbRow({
        ad_id: '4002',
        ad_name: 'Blue shoe',
        impressions: '500',
        clicks: '0',
        spend: '0.50',
        actions_flat: {},
      }),
      // The same ad and day broken down by age: must not add to the totals.
      fbRow({
        breakdowns: 'age',
        breakdown_values: '{"age":"18-24"}',
        impressions: '600',
        clicks: '6',
        spend: '7.00',
      }),
      fbRow({
        breakdowns: 'age',
        breakdown_values: '{"age":"25-34"}',
        impressions: '400',
        clicks: '4',
        spend: '5.34',
      }),
      // A day with spend but no delivery: every ratio undefined.
      fbRow({ date: '2024-03-02' }),
    ],
    first,
  );
  await load(
    'raw.facebook_ads_ads_insights',
    [
      fbRow({
        ad_id: '4002',
        ad_name: 'Blue shoe',
        impressions: '500',
        clicks: '0',
        spend: '0.66',
        actions_flat: { purchase: '1' },
      }),
    ],
    restated,
  );
  await load(
    'raw.google_ads_campaign_daily',
    [
      googleRow({
        impressions: '2000',
        clicks: '50',
        cost_micros: '9007199254740993',
        conversions: 2.5,
        conversions_value: 99.5,
      }),
      googleRow({
        campaign_id: '102',
        campaign_name: 'Display',
        impressions: '100',
        clicks: '0',
        cost_micros: '1500000',
      }),
    ],
    first,
  );
  await load(
    'raw.facebook_ads_campaigns',
    [
      {
        account_id: '1001',
        id: '2001',
        name: 'Spring sale',
        status: 'ACTIVE',
        effective_status: 'ACTIVE',
        created_time: null,
        updated_time: null,
        objective: 'OUTCOME_SALES',
        daily_budget: '5000',
        lifetime_budget: null,
      },
    ],
    first,
  );
  await load(
    'raw.google_ads_campaigns',
    [
      {
        customer_id: '1234567890',
        id: '101',
        name: 'Search brand',
        status: 'ENABLED',
        advertising_channel_type: 'SEARCH',
        budget_amount_micros: '50000000',
      },
    ],
    first,
  );
  await load(
    'raw.google_analytics_daily_report',
    [
      {
        property_id: '111',
        property_currency: 'USD',
        property_timezone: 'America/Chicago',
        date: '2024-03-01',
        dimensions: 'sessionCampaignName,sessionDefaultChannelGroup,sessionMedium,sessionSource',
        dimension_values:
          '{"sessionCampaignName":"spring_sale","sessionDefaultChannelGroup":"Paid Social","sessionMedium":"cpc","sessionSource":"facebook"}',
        metrics: { sessions: 120, totalUsers: 100, keyEvents: 3, totalRevenue: 59.97 },
      },
    ],
    first,
  );

  const result = await clickhouse.dbt(['build', '--select', ...MODELS], { vars: ALL_PLATFORMS });
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
});

afterAll(async () => {
  await clickhouse?.destroy();
});

describe('ads dbt models', () => {
  it('builds ads_daily_performance with exact rows and NULL ratios where undefined', async () => {
    const rows = await queryRows(clickhouse.client, MART_ROWS);
    // The campaign columns of the Facebook rows, and the account columns of the Google rows.
    const springSale = {
      channel: 'facebook_ads',
      account_id: '1001',
      currency: 'USD',
      campaign_id: '2001',
      campaign_name: 'Spring sale',
      campaign_status: 'ACTIVE',
    };
    const googleAccount = { channel: 'google_ads', account_id: '1234567890', currency: 'EUR' };
    expect(rows).toEqual([
      // 4001 + restated 4002: 1500 impressions, 10 clicks, 12.34 + 0.66 spend, 2 + 1 purchases.
      {
        ...springSale,
        date_day: '2024-03-01',
        impressions: 1500,
        clicks: 10,
        spend: '13',
        conversions: 3,
        ctr: 0.006667,
        cpc: '1.3',
        cpm: '8.666666',
      },
      {
        ...springSale,
        date_day: '2024-03-02',
        impressions: 0,
        clicks: 0,
        spend: '0',
        conversions: 0,
        ctr: null,
        cpc: null,
        cpm: null,
      },
      // cost_micros above 2^53 stays exact: 9007199254740993 micros = 9007199254.740993.
      {
        ...googleAccount,
        campaign_id: '101',
        campaign_name: 'Search brand',
        campaign_status: 'ENABLED',
        date_day: '2024-03-01',
        impressions: 2000,
        clicks: 50,
        spend: '9007199254.740993',
        conversions: 2.5,
        ctr: 0.025,
        cpc: '180143985.094819',
        cpm: '4503599627.370496',
      },
      {
        ...googleAccount,
        campaign_id: '102',
        campaign_name: 'Display',
        campaign_status: null, // no campaigns row loaded for 102
        date_day: '2024-03-01',
        impressions: 100,
        clicks: 0,
        spend: '1.5',
        conversions: 0,
        ctr: 0,
        cpc: null,
        cpm: '15',
      },
    ]);
  });

  it('stages money in currency units and flattens actions', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT ad_id, toString(spend) AS spend, purchases, link_clicks, toString(purchase_value) AS purchase_value, conversions FROM staging.stg_facebook_ads__ad_insights WHERE breakdowns = '' AND date_day = '2024-03-01' ORDER BY ad_id`,
      ),
    ).toEqual([
      {
        ad_id: '4001',
        spend: '12.34',
        purchases: 2,
        link_clicks: 8,
        purchase_value: '59.98',
        conversions: 2,
      },
      {
        ad_id: '4002',
        spend: '0.66',
        purchases: 1,
        link_clicks: 0,
        purchase_value: '0',
        conversions: 1,
      },
    ]);
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT toString(daily_budget) AS b FROM staging.stg_facebook_ads__campaigns`,
      ),
    ).toEqual([{ b: '50' }]);
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT toString(budget_amount) AS b FROM staging.stg_google_ads__campaigns`,
      ),
    ).toEqual([{ b: '50' }]);
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT channel_group, session_source, sessions, key_events, total_revenue FROM staging.stg_google_analytics__daily_sessions`,
      ),
    ).toEqual([
      {
        channel_group: 'Paid Social',
        session_source: 'facebook',
        sessions: 120,
        key_events: 3,
        total_revenue: 59.97,
      },
    ]);
  });

  it('builds web_sessions_daily from the GA4 rows of the default dimension set', async () => {
    expect(
      await queryRows(
        clickhouse.client,
        `SELECT property_id, currency, toString(date_day) AS date_day, channel_group, session_source,
                session_medium, session_campaign_name, sessions, total_users, key_events, total_revenue
         FROM analytics.web_sessions_daily`,
      ),
    ).toEqual([
      {
        property_id: '111',
        currency: 'USD',
        date_day: '2024-03-01',
        channel_group: 'Paid Social',
        session_source: 'facebook',
        session_medium: 'cpc',
        session_campaign_name: 'spring_sale',
        sessions: 120,
        total_users: 100,
        key_events: 3,
        total_revenue: 59.97,
      },
    ]);
  });

  it('names each account’s advertiser from the seed, and says so for an unmapped account', async () => {
    const { client } = clickhouse;
    const advertisers = () =>
      queryRows<{ channel: string; account_id: string; advertiser_name: string }>(
        client,
        `SELECT DISTINCT channel, account_id, advertiser_name
         FROM analytics.ads_daily_performance ORDER BY channel, account_id`,
      );
    // The shipped seed maps no account: each is labelled, never left blank or dropped.
    const unmapped = await advertisers();
    expect(unmapped.length).toBeGreaterThan(1);
    for (const row of unmapped) {
      expect(row.advertiser_name).toBe(`${row.channel} account ${row.account_id} (unmapped)`);
    }
    // Ad-ops map one account (as a filled seed would); only that account is named by it.
    const [mapped, ...others] = unmapped as [(typeof unmapped)[number], ...typeof unmapped];
    await client.insert({
      table: 'intermediate.ad_account_advertisers',
      format: 'JSONEachRow',
      values: [{ channel: mapped.channel, account_id: mapped.account_id, advertiser_name: 'Acme' }],
    });
    const result = await clickhouse.dbt(['run', '--select', 'ads_daily_performance'], {
      vars: ALL_PLATFORMS,
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(await advertisers()).toEqual([{ ...mapped, advertiser_name: 'Acme' }, ...others]);
  });

  // Last: it rebuilds the mart with one platform at a time (its `build` reloads the seed).
  it('builds the mart from the enabled platforms only, with the same columns and rows', async () => {
    const { client } = clickhouse;
    const allRows = await queryRows<{ channel: string }>(client, MART_ROWS);
    const allColumns = await queryRows(client, MART_COLUMNS);
    for (const [channel, vars] of [
      ['facebook_ads', { facebook_ads_enabled: true }],
      ['google_ads', { google_ads_enabled: true }],
    ] as const) {
      const result = await clickhouse.dbt(['build', '--select', '+ads_daily_performance'], {
        vars,
      });
      expect(failedNodes(result), result.output).toEqual([]);
      expect(result.exitCode, channel).toBe(0);
      // Only the enabled platform's models ran before the mart.
      const models = result.nodes.filter((node) => node.resourceType === 'model');
      expect(models.map((model) => model.name).sort()).toEqual(
        (channel === 'facebook_ads'
          ? [
              'stg_facebook_ads__ad_insights',
              'stg_facebook_ads__campaigns',
              'int_facebook_ads__campaign_daily',
            ]
          : [
              'stg_google_ads__campaign_daily',
              'stg_google_ads__campaigns',
              'int_google_ads__campaign_daily',
            ]
        )
          .concat('ads_daily_performance')
          .sort(),
      );
      expect(await queryRows(client, MART_COLUMNS), channel).toEqual(allColumns);
      expect(await queryRows(client, MART_ROWS), channel).toEqual(
        allRows.filter((row) => row.channel === channel),
      );
    }
  });
});
