/**
 * The CleverTap staging models, built by real dbt through the ClickHouse HTTP server over raw
 * tables made with the extractor's own DDL and rows made by its own record mapping: exact rows,
 * the latest load of a re-read event or profile wins, and the models' data tests pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClevertapConfig } from '../../extractors/clevertap/config.js';
import { clevertapSource } from '../../extractors/clevertap/source.js';
import { eventRow } from '../../extractors/clevertap/streams/events.js';
import { profileRow } from '../../extractors/clevertap/streams/profiles.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { loadRaw } from '../support/raw-load.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

let clickhouse: TestWarehouse;
let tests: string[] = [];

/** The streams' tables depend on nothing but which streams the config selects. */
const config = {
  events: ['App Launched'],
  profileEvents: ['App Launched'],
} as Partial<ClevertapConfig> as ClevertapConfig;
const ACCOUNT = 'W9R-486-4W5Z';
const TIMEZONE = 'Asia/Kolkata';

const event = (name: string, record: Record<string, unknown>) => {
  const row = eventRow(record, { accountId: ACCOUNT, eventName: name, timezone: TIMEZONE });
  if (typeof row === 'string') throw new Error(row);
  return row;
};
const profile = (record: Record<string, unknown>) => {
  const row = profileRow(record, { accountId: ACCOUNT, eventName: 'App Launched' });
  if (typeof row === 'string') throw new Error(row);
  return row;
};

const ann = { objectId: '__ann', identity: 'ann@example.com', platform: 'iOS' };
const anon = { objectId: '-anon1', platform: 'Web' };
const charged = {
  profile: ann,
  ts: 20240301001500,
  event_props: { Amount: 499.5, Currency: 'INR', Items: [{ Category: 'plans' }] },
  session_props: { utm_source: 'facebook', utm_campaign: 'spring' },
};
const launched = {
  profile: anon,
  ts: 20240302120000,
  event_props: { 'App Version': '3.1.0' },
  session_props: {},
};
/** A user whose profile was never loaded. */
const bobLaunched = {
  profile: { objectId: '__bob', platform: 'Android' },
  ts: 20240302200000,
  event_props: { 'App Version': '3.0.9' },
  session_props: { utm_source: 'google' },
};

const load = (table: string, rows: Record<string, unknown>[], loadedAt: string) =>
  loadRaw(clickhouse.client, table, rows, loadedAt);

beforeAll(async () => {
  clickhouse = await startWarehouse();
  const { client } = clickhouse;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  for (const stream of clevertapSource.streams(config))
    await client.command({ query: createTableSql(stream) });
  // The first load, then a re-read of the same days: the events come again (their profile
  // snapshot changed, their key did not) and Ann's profile has a new plan.
  await load(
    'raw.clevertap_events',
    [
      event('Charged', charged),
      event('App Launched', launched),
      event('App Launched', bobLaunched),
    ],
    '2024-03-03 01:00:00.000',
  );
  await load(
    'raw.clevertap_events',
    [event('Charged', { ...charged, profile: { ...ann, name: 'Ann B.' } })],
    '2024-03-04 01:00:00.000',
  );
  await load(
    'raw.clevertap_profiles',
    [
      profile({
        identity: 'ann@example.com',
        email: 'ann@example.com',
        name: 'Ann',
        profileData: { plan: 'free' },
        platformInfo: [{ platform: 'iOS', objectId: '__ann' }],
      }),
      profile({ platformInfo: [{ platform: 'Web', objectId: '-anon1' }] }),
    ],
    '2024-03-03 01:00:00.000',
  );
  await load(
    'raw.clevertap_profiles',
    [
      profile({
        identity: 'ann@example.com',
        email: 'ann@example.com',
        name: 'Ann',
        profileData: { plan: 'premium' },
        platformInfo: [{ platform: 'iOS', objectId: '__ann' }],
      }),
    ],
    '2024-03-04 01:00:00.000',
  );
  const result = await clickhouse.dbt(['build', '--select', '+app_engagement_daily'], {
    vars: { clevertap_enabled: true },
  });
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
  tests = result.tests.map((t) => `${t.uniqueId} ${t.status}`);
});

afterAll(async () => {
  await clickhouse?.destroy();
});

describe('clevertap dbt models', () => {
  it('stages events with the common fields flattened, one row per event', async () => {
    const rows = await queryRows(
      clickhouse.client,
      `SELECT account_id, event_name, toString(event_date) AS event_date, toString(event_at) AS event_at,
              account_timezone, clevertap_id, identity, platform, utm_source, amount, currency, event_props
       FROM staging.stg_clevertap__events ORDER BY event_name, clevertap_id`,
    );
    expect(rows).toEqual([
      {
        account_id: ACCOUNT,
        event_name: 'App Launched',
        event_date: '2024-03-02',
        event_at: '2024-03-02 06:30:00',
        account_timezone: TIMEZONE,
        clevertap_id: '-anon1',
        identity: '',
        platform: 'Web',
        utm_source: '',
        amount: null,
        currency: '',
        event_props: '{"App Version":"3.1.0"}',
      },
      {
        account_id: ACCOUNT,
        event_name: 'App Launched',
        event_date: '2024-03-02',
        event_at: '2024-03-02 14:30:00',
        account_timezone: TIMEZONE,
        clevertap_id: '__bob',
        identity: '',
        platform: 'Android',
        utm_source: 'google',
        amount: null,
        currency: '',
        event_props: '{"App Version":"3.0.9"}',
      },
      {
        account_id: ACCOUNT,
        event_name: 'Charged',
        // 00:15 in Kolkata is 18:45 UTC the day before; the day stays the account's.
        event_date: '2024-03-01',
        event_at: '2024-02-29 18:45:00',
        account_timezone: TIMEZONE,
        clevertap_id: '__ann',
        identity: 'ann@example.com',
        platform: 'iOS',
        utm_source: 'facebook',
        amount: 499.5,
        currency: 'INR',
        event_props: '{"Amount":499.5,"Currency":"INR","Items":[{"Category":"plans"}]}',
      },
    ]);
  });

  it('stages profiles keyed by identity, else CleverTap ID, the latest load winning', async () => {
    const rows = await queryRows(
      clickhouse.client,
      `SELECT profile_id, profile_key, identity, clevertap_id, email, name, platform, profile_data, found_by_event
       FROM staging.stg_clevertap__profiles ORDER BY profile_id`,
    );
    expect(rows).toEqual([
      {
        profile_id: `${ACCOUNT}|ann@example.com`,
        profile_key: 'ann@example.com',
        identity: 'ann@example.com',
        clevertap_id: '__ann',
        email: 'ann@example.com',
        name: 'Ann',
        platform: 'iOS',
        profile_data: '{"plan":"premium"}',
        found_by_event: 'App Launched',
      },
      {
        profile_id: `${ACCOUNT}|ct:-anon1`,
        profile_key: 'ct:-anon1',
        identity: '',
        clevertap_id: '-anon1',
        email: '',
        name: '',
        platform: 'Web',
        profile_data: '{}',
        found_by_event: 'App Launched',
      },
    ]);
  });

  it('builds app_engagement_daily: events, users, users with a profile, revenue', async () => {
    const rows = await queryRows(
      clickhouse.client,
      `SELECT account_id, toString(event_date) AS event_date, event_name, currency,
              events, users, users_with_profile, revenue
       FROM analytics.app_engagement_daily ORDER BY event_date, event_name`,
    );
    expect(rows).toEqual([
      {
        account_id: ACCOUNT,
        event_date: '2024-03-01',
        event_name: 'Charged',
        currency: 'INR',
        events: 1,
        users: 1,
        users_with_profile: 1,
        revenue: 499.5,
      },
      {
        account_id: ACCOUNT,
        event_date: '2024-03-02',
        event_name: 'App Launched',
        currency: '',
        events: 2,
        users: 2,
        users_with_profile: 1,
        revenue: 0,
      },
    ]);
  });

  it("runs the models' data tests, all passing", () => {
    expect(tests.length).toBeGreaterThanOrEqual(13);
    expect(
      tests.every((t) => t.endsWith(' pass')),
      tests.join('\n'),
    ).toBe(true);
    expect(tests.join('\n')).toMatch(/\.unique_stg_clevertap__events_event_id\.\w+ pass/);
  });
});
