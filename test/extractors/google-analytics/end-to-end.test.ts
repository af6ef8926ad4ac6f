/**
 * google-analytics end to end: the real CLI and @googleapis/analyticsdata (rootUrl pointed at the
 * loopback GA4 fake, OAuth through its token endpoint) into embedded ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { gaDate, lowestQuotaPct } from '../../../extractors/google-analytics/client.js';
import { type FakeProperty, gaError, startFakeAnalytics } from '../../fakes/google-analytics.js';
import { ACCESS_TOKEN } from '../../fakes/google-oauth.js';
import { HTML_500_PAGE } from '../../fakes/http.js';
import {
  cursorState,
  expectNoSecrets,
  FAST_RETRIES,
  googleOAuthEnv,
  insertedBatches,
  retryLines,
  runCli,
  runCliProcess,
  useAdTestRun,
} from '../ad-platforms/support.js';

const CREDENTIALS = {
  clientId: '456-fake.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-fakeAnalyticsSecret9',
  refreshToken: '1//0fakeAnalyticsRefreshToken42',
};
const DAYS = ['20240301', '20240302', '20240303', '20240304', '20240305'];
const CHANNELS = [
  ['Paid Social', 'facebook', 'cpc', 'spring_sale'],
  ['Paid Search', 'google', 'cpc', 'brand'],
  ['Organic Search', 'google', 'organic', '(organic)'],
] as const;

function property(id: string, currency: string, timezone: string, seed: number): FakeProperty {
  const rows: FakeProperty['rows'][number][] = [];
  DAYS.forEach((date, d) => {
    CHANNELS.forEach(([group, source, medium, campaign], c) => {
      // Two devices per channel: the report (without deviceCategory) sums them.
      ['desktop', 'mobile'].forEach((device, v) => {
        const n = seed + d * 7 + c * 3 + v;
        rows.push({
          dimensions: {
            date,
            sessionDefaultChannelGroup: group,
            sessionSource: source,
            sessionMedium: medium,
            sessionCampaignName: campaign,
            deviceCategory: device,
          },
          metrics: {
            sessions: 100 + n,
            totalUsers: 80 + n,
            keyEvents: n % 5,
            totalRevenue: (n % 5) * 19.99,
          },
        });
      });
    });
  });
  return { id, currency, timezone, rows };
}

const PROPERTIES = [
  property('111111111', 'USD', 'America/Chicago', 1),
  property('222222222', 'EUR', 'Europe/Madrid', 30),
];

function expected(since: string, until: string) {
  const out: Record<string, unknown>[] = [];
  for (const p of PROPERTIES) {
    const sums = new Map<string, { sessions: number; keyEvents: number; revenue: number }>();
    for (const row of p.rows) {
      const date = gaDate(row.dimensions.date ?? '');
      if (date < since || date >= until) continue;
      const values = {
        sessionCampaignName: row.dimensions.sessionCampaignName,
        sessionDefaultChannelGroup: row.dimensions.sessionDefaultChannelGroup,
        sessionMedium: row.dimensions.sessionMedium,
        sessionSource: row.dimensions.sessionSource,
      };
      const key = `${date}|${JSON.stringify(values)}`;
      const sum = sums.get(key) ?? { sessions: 0, keyEvents: 0, revenue: 0 };
      sum.sessions += row.metrics.sessions ?? 0;
      sum.keyEvents += row.metrics.keyEvents ?? 0;
      sum.revenue += row.metrics.totalRevenue ?? 0;
      sums.set(key, sum);
    }
    for (const [key, sum] of sums) {
      const [date, values] = key.split('|');
      out.push({
        property_id: p.id,
        property_currency: p.currency,
        date,
        dimension_values: values,
        sessions: sum.sessions,
        key_events: sum.keyEvents,
        revenue: Math.round(sum.revenue * 100) / 100,
      });
    }
  }
  return out.sort((a, b) =>
    JSON.stringify([a.property_id, a.date, a.dimension_values]).localeCompare(
      JSON.stringify([b.property_id, b.date, b.dimension_values]),
    ),
  );
}

const LOADED_SQL = `
  SELECT property_id, property_currency, toString(date) AS date, dimension_values,
         metrics['sessions'] AS sessions, metrics['keyEvents'] AS key_events, metrics['totalRevenue'] AS revenue
  FROM raw.google_analytics_daily_report FINAL
  ORDER BY toJSONString([property_id, toString(date), dimension_values])`;

const adTest = useAdTestRun({
  source: 'google-analytics',
  fastFlags: FAST_RETRIES,
  accountsPrefix: 'ga4-',
  accounts: [
    'google-analytics:',
    '  a1:',
    '    accounts: ["111111111", "properties/222222222"]',
    '    credentials: { client_id: GA_ID, client_secret: GA_SECRET, refresh_token: GA_REFRESH }',
    '  a2:',
    '    accounts: ["111111111", "333333333", "222222222"]',
    '    credentials: { client_id: GA_ID, client_secret: GA_SECRET, refresh_token: GA_REFRESH }',
  ],
  startFake: () => startFakeAnalytics({ ...CREDENTIALS, properties: PROPERTIES }),
  fakeEnv: (fake) => ({
    GOOGLE_ANALYTICS_API_URL: fake.url,
    ...googleOAuthEnv(fake.url, 'GA', CREDENTIALS),
  }),
});
const { env, loaded } = adTest;

describe('google-analytics helpers', () => {
  it('reads GA4 dates and the tightest token quota', () => {
    expect(gaDate('20240229')).toBe('2024-02-29');
    expect(
      lowestQuotaPct({
        tokensPerDay: { consumed: 10, remaining: 90 },
        tokensPerHour: { consumed: 75, remaining: 25 },
      }),
    ).toBe(25);
    expect(lowestQuotaPct(undefined)).toBe(100);
  });
});

describe('extract google-analytics', () => {
  it('loads exact rows across many pages through 429, 5xx, an HTML 500 and slow answers (POST retried)', async () => {
    adTest.fake.faults.push(
      {
        route: 'runReport',
        times: 1,
        response: gaError(429, 'RESOURCE_EXHAUSTED', 'Exhausted property tokens per hour.'),
      },
      {
        route: 'runReport',
        times: 1,
        response: gaError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
      },
      { route: 'runReport', times: 1, response: { status: 500, body: HTML_500_PAGE, html: true } },
      { route: 'runReport', times: 1, delayMs: 150 },
      { route: 'runReport', times: 1, delayMs: 2000 },
    );
    const { code, stdout, stderr } = await runCli(
      adTest.args('a1', { window: ['2024-03-01', '2024-03-06'], chunkDays: 2, pageSize: 4 }),
      env(),
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/extract google-analytics ok/);
    expect(await loaded(LOADED_SQL)).toEqual(expected('2024-03-01', '2024-03-06'));
    // 2-day chunks of 3 channels = 6 rows per report, 4 per page: every report takes 2 pages.
    const pages = adTest.fake.reports.filter(
      (r) => (r.body.dateRanges as { startDate: string }[])[0]?.startDate === '2024-03-01',
    );
    // The first page of property 1 timed out once (the 2 s answer) and was asked again.
    expect(pages.map((r) => [r.body.offset, r.body.limit])).toEqual([
      ['0', '4'],
      ['0', '4'],
      ['4', '4'],
      ['0', '4'],
      ['4', '4'],
    ]);
    expect(pages.every((r) => r.body.returnPropertyQuota === true)).toBe(true);
    expect(retryLines(stderr).length).toBe(4);
    expect(
      await loaded(
        `SELECT DISTINCT property_id, property_timezone, dimensions FROM raw.google_analytics_daily_report ORDER BY property_id`,
      ),
    ).toEqual([
      {
        property_id: '111111111',
        property_timezone: 'America/Chicago',
        dimensions: 'sessionCampaignName,sessionDefaultChannelGroup,sessionMedium,sessionSource',
      },
      {
        property_id: '222222222',
        property_timezone: 'Europe/Madrid',
        dimensions: 'sessionCampaignName,sessionDefaultChannelGroup,sessionMedium,sessionSource',
      },
    ]);
  });

  it('re-runs an overlapping window idempotently and resumes from the state minus the lookback', async () => {
    const first = adTest.args('a1', { window: ['2024-03-01', '2024-03-04'] });
    expect((await runCli(first, env())).code).toBe(0);
    adTest.fake.reports.length = 0;
    const next = adTest.args('a1', { flags: ['--until', '2024-03-06'] });
    expect((await runCli(next, env())).code).toBe(0);
    // Cursor 2024-03-03, lookback 3 days → 2024-03-01 again.
    const ranges = adTest.fake.reports.map(
      (r) => (r.body.dateRanges as { startDate: string; endDate: string }[])[0],
    );
    expect(ranges.filter((r) => r?.startDate !== 'today')).toEqual([
      { startDate: '2024-03-01', endDate: '2024-03-05' },
      { startDate: '2024-03-01', endDate: '2024-03-05' },
    ]);
    expect(await loaded(LOADED_SQL)).toEqual(expected('2024-03-01', '2024-03-06'));
  });

  it("writes each page as it comes, and moves the state only after the report's last page", async () => {
    // One 5-day report per property: 15 rows in pages of 4. For property 1 the probe and the
    // first two pages answer, the third fails for good.
    adTest.fake.faults.push({
      route: 'runReport:111111111',
      after: 3,
      times: 100,
      response: gaError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
    });
    const args = adTest.args('a1', {
      window: ['2024-03-01', '2024-03-06'],
      lookbackDays: 0,
      chunkDays: 5,
      pageSize: 4,
      debug: true,
    });
    const property1Batches = (stderr: string) =>
      insertedBatches(stderr, (event) => event.account === '111111111');
    const perProperty = `
      SELECT property_id, toString(count()) AS n FROM raw.google_analytics_daily_report FINAL
      GROUP BY property_id ORDER BY property_id`;
    const loadedState = cursorState('2024-03-05');

    const failed = await runCli(args, env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /daily_report failed after 8 rows: .*property 111111111 .*gave up after 6 attempts: UNAVAILABLE/,
    );
    expect(property1Batches(failed.stderr)).toEqual([4, 4]);
    expect(await loaded(perProperty)).toEqual([
      { property_id: '111111111', n: '8' },
      { property_id: '222222222', n: '15' },
    ]);
    expect(await adTest.accountStates()).toEqual([{ account: '222222222', state: loadedState }]);

    adTest.fake.faults.length = 0;
    const rerun = await runCli(args, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(property1Batches(rerun.stderr)).toEqual([4, 4, 4, 3]);
    expect(await loaded(LOADED_SQL)).toEqual(expected('2024-03-01', '2024-03-06'));
    expect(await adTest.accountStates()).toEqual([
      { account: '111111111', state: loadedState },
      { account: '222222222', state: loadedState },
    ]);
  });

  it('stops a property before its quota runs out, keeping the other properties, exit 1', async () => {
    adTest.fake.faults.push({
      route: 'runReport:333333333',
      times: 1000,
      response: gaError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
    });
    const failing = await runCli(
      adTest.args('a2', { window: ['2024-03-01', '2024-03-03'] }),
      env(),
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAILED \(333333333\)/);
    expect(failing.stderr).toMatch(/property 333333333.*gave up after 6 attempts: UNAVAILABLE/);
    expect(
      await loaded(
        `SELECT property_id, toString(count()) AS n FROM raw.google_analytics_daily_report FINAL GROUP BY property_id ORDER BY property_id`,
      ),
    ).toEqual([
      { property_id: '111111111', n: '6' },
      { property_id: '222222222', n: '6' },
    ]);

    adTest.fake.tokensPerHourLeft = 1000;
    const quota = await runCli(
      adTest.args('a1', {
        window: ['2024-03-03', '2024-03-05'],
        flags: ['--quota-reserve-pct', '5'],
      }),
      env(),
    );
    expect(quota.code).toBe(1);
    expect(quota.stderr).toContain('property token quota nearly exhausted (2.5% left, reserve 5%)');
    // Nothing new was written, and the state did not move past what was loaded.
    expect(
      await loaded(`SELECT toString(max(date)) AS d FROM raw.google_analytics_daily_report`),
    ).toEqual([{ d: '2024-03-02' }]);
    expect(await adTest.accountStates()).toEqual(
      ['111111111', '222222222'].map((account) => ({ account, state: cursorState('2024-03-02') })),
    );
  });

  it('exits 2 on a revoked refresh token and never prints a credential (separate process)', async () => {
    const revoked = await runCliProcess(
      adTest.args('a1', { debug: true }),
      env({ GA_REFRESH: '1//0revokedAnalyticsToken777' }),
    );
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toContain('HTTP 400: Google OAuth token request failed (invalid_grant)');
    const ok = await runCliProcess(
      adTest.args('a1', { window: ['2024-03-01', '2024-03-02'], debug: true }),
      env(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    const output = `${revoked.stdout}${revoked.stderr}${ok.stdout}${ok.stderr}`;
    expectNoSecrets(output, [
      ...Object.values(CREDENTIALS),
      '1//0revokedAnalyticsToken777',
      ACCESS_TOKEN,
    ]);
  });
});
