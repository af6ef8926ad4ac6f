/**
 * google-ads end to end: the real CLI and google-ads-api (REST searchStream) against the
 * loopback Google Ads fake, OAuth through the fake token endpoint, into embedded ClickHouse.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { googleOAuthClient } from '../../../extractors/ad-platforms/google-oauth.js';
import { addDays } from '../../../extractors/core/dates.js';
import {
  classifyGoogleAdsError,
  configureGoogleAdsHttp,
  durationMs,
  GoogleAdsClient,
  GoogleStatusError,
} from '../../../extractors/google-ads/client.js';
import {
  type FakeCustomer,
  type GaqlValue,
  googleError,
  googleStatus,
  quotaExhausted,
  type StreamCut,
  startFakeGoogleAds,
} from '../../fakes/google-ads.js';
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
  developerToken: 'devTok-0123456789abcdef',
  clientId: '123-fake.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-fakeClientSecret01',
  refreshToken: '1//0fakeRefreshTokenValue0123456789',
};
const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06'];
/** Above 2^53: a JavaScript number would round it. */
const HUGE_COST = '9007199254740993';

function customer(
  id: string,
  currency: string,
  timeZone: string,
  seed: number,
  managers?: string[],
): FakeCustomer {
  const info = {
    'customer.id': id,
    'customer.descriptive_name': `Customer ${id}`,
    'customer.currency_code': currency,
    'customer.time_zone': timeZone,
  };
  const campaigns = [
    {
      'campaign.id': `${seed}01`,
      'campaign.name': 'Search brand',
      'campaign.status': 'ENABLED',
      'campaign.advertising_channel_type': 'SEARCH',
      'campaign_budget.amount_micros': '50000000',
    },
    {
      'campaign.id': `${seed}02`,
      'campaign.name': 'Display',
      'campaign.status': 'PAUSED',
      'campaign.advertising_channel_type': 'DISPLAY',
      'campaign_budget.amount_micros': '20000000',
    },
  ];
  const campaignRows: Record<string, GaqlValue>[] = [];
  const adGroupRows: Record<string, GaqlValue>[] = [];
  DAYS.forEach((date, d) => {
    campaigns.forEach((campaign, c) => {
      const n = seed + d * 5 + c;
      const metrics: Record<string, GaqlValue> = {
        'metrics.impressions': String(500 + n * 11),
        'metrics.cost_micros': c === 0 && d === 0 ? HUGE_COST : String(1_000_000 * n + 123_457),
        'metrics.conversions': (n % 3) * 0.5,
        'metrics.conversions_value': (n % 3) * 12.25,
      };
      // REST omits zero values (proto3 defaults): no clicks field on quiet days.
      if (n % 4 !== 0) metrics['metrics.clicks'] = String((n % 7) + 1);
      campaignRows.push({ ...info, ...campaign, 'segments.date': date, ...metrics });
      adGroupRows.push({
        ...info,
        'campaign.id': campaign['campaign.id'],
        'campaign.name': campaign['campaign.name'],
        'ad_group.id': `${campaign['campaign.id']}9`,
        'ad_group.name': `${campaign['campaign.name']} AG`,
        'ad_group.status': 'ENABLED',
        'ad_group.type': 'SEARCH_STANDARD',
        'segments.date': date,
        ...metrics,
      });
    });
  });
  return {
    id,
    managers,
    resources: {
      customer: [info],
      campaign: campaignRows,
      ad_group: adGroupRows,
      ad_group_ad: [
        {
          'customer.id': id,
          'campaign.id': `${seed}01`,
          'ad_group.id': `${seed}019`,
          'ad_group_ad.ad.id': `${seed}0191`,
          'ad_group_ad.ad.name': 'RSA 1',
          'ad_group_ad.ad.type': 'RESPONSIVE_SEARCH_AD',
          'ad_group_ad.status': 'ENABLED',
        },
      ],
    },
  };
}

const CUSTOMERS = [
  customer('1234567890', 'USD', 'America/New_York', 1, ['9990001111']),
  customer('2223334444', 'EUR', 'Europe/Paris', 20, ['9990001111']),
];

function expectedCampaignDaily(since: string, until: string) {
  return CUSTOMERS.flatMap((c) =>
    (c.resources.campaign ?? [])
      .filter((r) => String(r['segments.date']) >= since && String(r['segments.date']) < until)
      .map((r) => ({
        customer_id: c.id,
        currency_code: String(r['customer.currency_code']),
        campaign_id: String(r['campaign.id']),
        date: String(r['segments.date']),
        impressions: String(r['metrics.impressions']),
        clicks: String(r['metrics.clicks'] ?? '0'),
        cost_micros: String(r['metrics.cost_micros']),
        conversions: Number(r['metrics.conversions']),
      })),
  ).sort((a, b) =>
    `${a.customer_id}${a.campaign_id}${a.date}`.localeCompare(
      `${b.customer_id}${b.campaign_id}${b.date}`,
    ),
  );
}

const CAMPAIGN_DAILY_SQL = `
  SELECT customer_id, currency_code, campaign_id, toString(date) AS date, toString(impressions) AS impressions,
         toString(clicks) AS clicks, toString(cost_micros) AS cost_micros, conversions
  FROM raw.google_ads_campaign_daily FINAL ORDER BY customer_id, campaign_id, date`;

const credentials =
  '{ developer_token: T_DEV, client_id: T_ID, client_secret: T_SECRET, refresh_token: T_REFRESH }';
const adTest = useAdTestRun({
  source: 'google-ads',
  fastFlags: FAST_RETRIES,
  accountsPrefix: 'google-ads-',
  accounts: [
    'google-ads:',
    '  g1:',
    '    login_customer_id: "999-000-1111"',
    '    accounts: ["123-456-7890", "2223334444"]',
    `    credentials: ${credentials}`,
    '  g2:',
    '    login_customer_id: "9990001111"',
    '    accounts: ["1234567890", "5556667777", "2223334444"]',
    `    credentials: ${credentials}`,
    '  big:',
    '    accounts: ["3334445555"]',
    `    credentials: ${credentials}`,
  ],
  startFake: () => startFakeGoogleAds({ ...CREDENTIALS, customers: CUSTOMERS }),
  fakeEnv: (fake) => ({
    GOOGLE_ADS_API_URL: fake.url,
    T_DEV: CREDENTIALS.developerToken,
    ...googleOAuthEnv(fake.url, 'T', CREDENTIALS),
  }),
});
const { env, loaded } = adTest;

describe('google-ads client signals', () => {
  it('honours RetryInfo delays and retries only quota and transient errors', () => {
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('0.25s')).toBe(250);
    const status = (...args: Parameters<typeof googleStatus>) =>
      new GoogleStatusError(googleStatus(...args));
    expect(
      classifyGoogleAdsError(
        status(429, 'RESOURCE_EXHAUSTED', 'x', {
          errorCode: { quotaError: 'RESOURCE_EXHAUSTED' },
          retryDelay: '7s',
        }),
      ),
    ).toEqual({ retry: true, reason: 'RESOURCE_EXHAUSTED', waitHintMs: 7000 });
    // RetryInfo alone (no GoogleAdsFailure) also sets the wait.
    expect(
      classifyGoogleAdsError(
        new GoogleStatusError(
          {
            code: 503,
            status: 'UNAVAILABLE',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
          },
          10,
        ),
      ),
    ).toEqual({ retry: true, reason: 'UNAVAILABLE in the stream', waitHintMs: 2000 });
    expect(
      classifyGoogleAdsError(
        status(500, 'INTERNAL', 'x', { errorCode: { internalError: 'TRANSIENT_ERROR' } }),
      ).retry,
    ).toBe(true);
    expect(
      classifyGoogleAdsError(
        status(403, 'PERMISSION_DENIED', 'x', {
          errorCode: { authorizationError: 'USER_PERMISSION_DENIED' },
        }),
      ).retry,
    ).toBe(false);
    expect(
      classifyGoogleAdsError(
        status(400, 'INVALID_ARGUMENT', 'x', { errorCode: { queryError: 'UNRECOGNIZED_FIELD' } }),
      ).retry,
    ).toBe(false);
  });

  it('retries a stream that stops sending partway once the request timeout passes with no data', async () => {
    // Headers and the first element, then nothing: the connection stays open.
    const stalled = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[{"results":[{"customer":{"id":"1234567890"}}]}');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      configureGoogleAdsHttp({
        timeoutMs: 300,
        apiUrl: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
      });
      const client = new GoogleAdsClient({
        customerId: '1234567890',
        developerToken: CREDENTIALS.developerToken,
        oauth: googleOAuthClient({ ...CREDENTIALS, tokenUrl: `${adTest.fake.url}/token` }),
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      });
      await expect(
        client.queryAll('customer 1234567890', 'SELECT customer.id FROM customer'),
      ).rejects.toThrow(
        'customer 1234567890: Google Ads API error: gave up after 2 attempts: the connection broke while reading the stream (ECONNRESET)',
      );
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});

/** 600 campaigns x 10 days for customer 3334445555 (group `big`), streamed in 1,000-row elements. */
async function startBigCustomerFake() {
  const big = customer('3334445555', 'USD', 'UTC', 3);
  const days = Array.from({ length: 10 }, (_, d) => addDays('2024-03-01', d));
  const campaignRows = days.flatMap((date, d) =>
    Array.from({ length: 600 }, (_, c) => ({
      'customer.id': big.id,
      'customer.currency_code': 'USD',
      'customer.time_zone': 'UTC',
      'campaign.id': String(70_000 + c),
      'campaign.name': `campaign ${c}`,
      'segments.date': date,
      'metrics.impressions': String(1000 + c * 3 + d),
      'metrics.clicks': String((c + d) % 17),
      'metrics.cost_micros': c === 0 && d === 0 ? HUGE_COST : String(1_000_003 * (c + 1) + d),
    })),
  );
  await adTest.restartFake(() =>
    startFakeGoogleAds({
      ...CREDENTIALS,
      customers: [{ ...big, resources: { ...big.resources, campaign: campaignRows } }],
    }),
  );
  adTest.fake.batchSize = 1000;
  return campaignRows;
}

const BIG_ARGS = adTest.args('big', {
  lookbackDays: 0,
  window: ['2024-03-01', '2024-03-11'],
  chunkDays: 10,
  debug: true,
});

/** Rows of each campaign_daily insert, from the debug log. */
const campaignDailyBatches = (stderr: string) =>
  insertedBatches(stderr, (event) => event.stream === 'campaign_daily');

const BIG_TOTALS_SQL = `
  SELECT toString(count()) AS n, toString(sum(impressions)) AS impressions,
         toString(sum(clicks)) AS clicks, toString(sum(cost_micros)) AS cost_micros
  FROM raw.google_ads_campaign_daily FINAL`;

/** BIG_TOTALS_SQL's answer when every row is loaded once. */
function bigTotals(rows: Awaited<ReturnType<typeof startBigCustomerFake>>) {
  const sum = (field: 'metrics.impressions' | 'metrics.clicks' | 'metrics.cost_micros') =>
    String(rows.reduce((total, row) => total + BigInt(row[field]), 0n));
  return {
    n: String(rows.length),
    impressions: sum('metrics.impressions'),
    clicks: sum('metrics.clicks'),
    cost_micros: sum('metrics.cost_micros'),
  };
}

const PER_CUSTOMER_SQL = `
  SELECT customer_id, toString(count()) AS n FROM raw.google_ads_campaign_daily FINAL
  GROUP BY customer_id ORDER BY customer_id`;

/** PER_CUSTOMER_SQL's answer once 2024-03-01..02 is loaded for the two customers that answer. */
const TWO_DAYS_PER_HEALTHY_CUSTOMER = [
  { customer_id: '1234567890', n: '4' },
  { customer_id: '2223334444', n: '4' },
];

/** Cuts the next `times` campaign_daily streams after `afterBatches` elements (see StreamCut). */
const cutCampaignDaily = (cut: Omit<StreamCut, 'match'>) =>
  adTest.fake.cuts.push({ match: 'FROM campaign WHERE', ...cut });

const DAILY_STATE_SQL = `
  SELECT stream, state FROM raw._extractor_state FINAL
  WHERE source = 'google-ads' AND stream LIKE '%daily' ORDER BY stream`;

const loadedThrough = (stream: string, date: string) => ({ stream, state: cursorState(date) });

describe('extract google-ads', () => {
  it('loads exact rows (int64 intact) through quota errors, 503, an HTML 500 and slow answers, via the manager account', async () => {
    adTest.fake.faults.push(
      { route: 'searchStream', times: 1, response: quotaExhausted('0.003s') },
      {
        route: 'searchStream',
        times: 1,
        response: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
      },
      {
        route: 'searchStream',
        times: 1,
        response: { status: 500, body: HTML_500_PAGE, html: true },
      },
      // A 200 with an empty body is no answer, not an empty result.
      { route: 'searchStream', times: 1, response: { status: 200, body: '', html: true } },
      { route: 'searchStream', times: 1, delayMs: 150 },
      { route: 'searchStream', times: 1, delayMs: 2000 },
      { route: 'token', times: 1, response: { status: 503, body: { error: 'backend_error' } } },
    );
    const { code, stdout, stderr } = await runCli(
      adTest.args('g1', { lookbackDays: 0, window: ['2024-03-01', '2024-03-07'], chunkDays: 4 }),
      env(),
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/extract google-ads ok/);
    expect(await loaded(CAMPAIGN_DAILY_SQL)).toEqual(
      expectedCampaignDaily('2024-03-01', '2024-03-07'),
    );
    expect(
      await loaded(
        `SELECT toString(cost_micros) AS c FROM raw.google_ads_campaign_daily FINAL WHERE date = '2024-03-01' AND campaign_id = '101'`,
      ),
    ).toEqual([{ c: HUGE_COST }]);
    expect(
      await loaded(
        `SELECT customer_id, toString(count()) AS n, toString(sum(cost_micros)) AS cost FROM raw.google_ads_ad_group_daily FINAL GROUP BY customer_id ORDER BY customer_id`,
      ),
    ).toEqual(
      ['1234567890', '2223334444'].map((id) => {
        const rows = CUSTOMERS.find((c) => c.id === id)?.resources.ad_group ?? [];
        return {
          customer_id: id,
          n: String(rows.length),
          cost: String(rows.reduce((sum, r) => sum + BigInt(String(r['metrics.cost_micros'])), 0n)),
        };
      }),
    );
    expect(
      await loaded(
        `SELECT customer_id, id, name, status, toString(budget_amount_micros) AS budget FROM raw.google_ads_campaigns FINAL ORDER BY customer_id, id`,
      ),
    ).toEqual([
      {
        customer_id: '1234567890',
        id: '101',
        name: 'Search brand',
        status: 'ENABLED',
        budget: '50000000',
      },
      {
        customer_id: '1234567890',
        id: '102',
        name: 'Display',
        status: 'PAUSED',
        budget: '20000000',
      },
      {
        customer_id: '2223334444',
        id: '2001',
        name: 'Search brand',
        status: 'ENABLED',
        budget: '50000000',
      },
      {
        customer_id: '2223334444',
        id: '2002',
        name: 'Display',
        status: 'PAUSED',
        budget: '20000000',
      },
    ]);
    expect(
      await loaded(
        `SELECT customer_id, ad_group_id, id, type FROM raw.google_ads_ads FINAL ORDER BY customer_id`,
      ),
    ).toEqual([
      { customer_id: '1234567890', ad_group_id: '1019', id: '10191', type: 'RESPONSIVE_SEARCH_AD' },
      {
        customer_id: '2223334444',
        ad_group_id: '20019',
        id: '200191',
        type: 'RESPONSIVE_SEARCH_AD',
      },
    ]);
    expect(new Set(adTest.fake.queries.map((q) => q.loginCustomerId))).toEqual(
      new Set(['9990001111']),
    );
    expect(
      adTest.fake.queries
        .filter((q) => q.query.includes('FROM campaign WHERE'))
        .map((q) => q.query.slice(q.query.indexOf('BETWEEN'))),
    ).toEqual([
      "BETWEEN '2024-03-01' AND '2024-03-04'",
      "BETWEEN '2024-03-05' AND '2024-03-06'",
      "BETWEEN '2024-03-01' AND '2024-03-04'",
      "BETWEEN '2024-03-05' AND '2024-03-06'",
    ]);
    const retries = retryLines(stderr);
    // RetryInfo asked for 3 ms: more than the jittered backoff (at most 1 ms) would wait.
    expect(retries.find((l) => l.includes('RESOURCE_EXHAUSTED'))).toContain('"wait_ms":3');
    expect(retries.join('\n')).toContain('HTML error page');
    expect(stderr).not.toContain(ACCESS_TOKEN);
  });

  it('re-runs overlapping windows idempotently and continues from the state minus the lookback', async () => {
    const first = adTest.args('g1', { lookbackDays: 0, window: ['2024-03-01', '2024-03-05'] });
    expect((await runCli(first, env())).code).toBe(0);
    adTest.fake.queries.length = 0;
    const next = adTest.args('g1', { lookbackDays: 2, flags: ['--until', '2024-03-07'] });
    expect((await runCli(next, env())).code).toBe(0);
    // State after the first run: 2024-03-04 loaded; 2 days of lookback → from 2024-03-03.
    expect(
      adTest.fake.queries
        .filter((q) => q.query.includes('FROM campaign WHERE'))
        .map((q) => q.query.slice(q.query.indexOf('BETWEEN'))),
    ).toEqual(["BETWEEN '2024-03-03' AND '2024-03-06'", "BETWEEN '2024-03-03' AND '2024-03-06'"]);
    expect(await loaded(CAMPAIGN_DAILY_SQL)).toEqual(
      expectedCampaignDaily('2024-03-01', '2024-03-07'),
    );
    expect(
      await loaded(`SELECT toString(count()) AS n FROM raw.google_ads_campaign_daily`),
    ).toEqual([{ n: String(4 * 4 + 4 * 4) }]);
  });

  it('writes a query bigger than one insert batch as the stream comes, and moves the state only after its last row', async () => {
    // One campaign_daily query of 6,000 rows; 5,000 rows make an insert batch.
    const campaignRows = await startBigCustomerFake();
    // Every campaign_daily stream stops inside its 6th element, after the first 5,000 rows.
    cutCampaignDaily({ afterBatches: 5, times: 100 });
    const adGroupState = loadedThrough('ad_group_daily', '2024-03-10');
    const failed = await runCli(BIG_ARGS, env());
    expect(failed.code).toBe(1);
    // Each of the 6 attempts wrote the same first 5,000 rows again (same keys), then failed.
    expect(failed.stderr).toMatch(
      /campaign_daily failed after 30,000 rows: .*gave up after 6 attempts: response was not complete JSON/,
    );
    expect(retryLines(failed.stderr).join('\n')).toContain(
      'after 5000 rows; the query is read again',
    );
    expect(campaignDailyBatches(failed.stderr)).toEqual(Array(6).fill(5000));
    expect((await loaded(BIG_TOTALS_SQL))[0]?.n).toBe('5000');
    // The other daily stream finished its window; campaign_daily's state did not move.
    expect(await loaded(DAILY_STATE_SQL)).toEqual([adGroupState]);

    // A single cut is retried: the query is read again from the start and the result is exact.
    adTest.fake.cuts[0]!.times = 1;
    const rerun = await runCli(BIG_ARGS, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(campaignDailyBatches(rerun.stderr)).toEqual([5000, 5000, 1000]);
    expect(await loaded(BIG_TOTALS_SQL)).toEqual([bigTotals(campaignRows)]);
    expect(await loaded(DAILY_STATE_SQL)).toEqual([
      adGroupState,
      loadedThrough('campaign_daily', '2024-03-10'),
    ]);
  });

  it('retries a query whose stream reports a transient error after its first rows, from the start, with the RetryInfo wait', async () => {
    // The first campaign_daily stream: 3 of its 8 rows, then Google's error element and `]`.
    cutCampaignDaily({
      afterBatches: 1,
      times: 1,
      error: googleStatus(500, 'INTERNAL', 'Internal error encountered.', {
        errorCode: { internalError: 'TRANSIENT_ERROR' },
        retryDelay: '0.004s',
      }),
    });
    const { code, stderr } = await runCli(
      adTest.args('g1', { lookbackDays: 0, window: ['2024-03-01', '2024-03-05'] }),
      env(),
    );
    expect(code, stderr).toBe(0);
    expect(adTest.fake.cuts[0]!.times).toBe(0);
    const retries = retryLines(stderr);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toContain('TRANSIENT_ERROR INTERNAL in the stream');
    expect(retries[0]).toContain('"wait_ms":4');
    expect(
      adTest.fake.queries
        .filter((q) => q.query.includes('FROM campaign WHERE'))
        .map((q) => q.customerId),
    ).toEqual(['1234567890', '1234567890', '2223334444']);
    expect(await loaded(CAMPAIGN_DAILY_SQL)).toEqual(
      expectedCampaignDaily('2024-03-01', '2024-03-05'),
    );
    expect(await adTest.accountStates('campaign_daily')).toEqual(
      ['1234567890', '2223334444'].map((account) => ({
        account,
        state: cursorState('2024-03-04'),
      })),
    );
  });

  it('fails on a permanent error inside the stream: rows already written kept, state held, the error names customer and status; the re-run is exact', async () => {
    const campaignRows = await startBigCustomerFake();
    // 5,000 rows (one insert batch), then an error element that no retry can fix.
    cutCampaignDaily({
      afterBatches: 5,
      times: 1,
      error: googleStatus(400, 'FAILED_PRECONDITION', 'The customer account is not enabled.', {
        errorCode: { customerError: 'CUSTOMER_NOT_ENABLED' },
      }),
    });
    const failed = await runCli(BIG_ARGS, env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'campaign_daily of 3334445555 2024-03-01..2024-03-11: Google Ads API error: FAILED_PRECONDITION: CUSTOMER_NOT_ENABLED: The customer account is not enabled. (an error element inside the stream, after 5000 rows)',
    );
    expect(retryLines(failed.stderr)).toEqual([]);
    expect(campaignDailyBatches(failed.stderr)).toEqual([5000]);
    expect((await loaded(BIG_TOTALS_SQL))[0]?.n).toBe('5000');
    expect(await loaded(DAILY_STATE_SQL)).toEqual([loadedThrough('ad_group_daily', '2024-03-10')]);
    expectNoSecrets(`${failed.stdout}${failed.stderr}`, [
      ...Object.values(CREDENTIALS),
      ACCESS_TOKEN,
    ]);

    const rerun = await runCli(BIG_ARGS, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await loaded(BIG_TOTALS_SQL)).toEqual([bigTotals(campaignRows)]);
    expect(await loaded(DAILY_STATE_SQL)).toEqual([
      loadedThrough('ad_group_daily', '2024-03-10'),
      loadedThrough('campaign_daily', '2024-03-10'),
    ]);
  });

  it('loads the healthy customers when one keeps failing, and exits 1', async () => {
    adTest.fake.faults.push({
      route: 'searchStream:5556667777',
      times: 1000,
      response: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
    });
    const { code, stdout, stderr } = await runCli(
      adTest.args('g2', { lookbackDays: 0, window: ['2024-03-01', '2024-03-03'] }),
      env(),
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAILED \(5556667777\)/);
    expect(stderr).toMatch(
      /customer 5556667777: Google Ads API error: gave up after 6 attempts: UNAVAILABLE/,
    );
    expect(await loaded(PER_CUSTOMER_SQL)).toEqual(TWO_DAYS_PER_HEALTHY_CUSTOMER);
  });

  it("retries a 200 answer whose elements are not Google's shape instead of taking it as no rows", async () => {
    adTest.fake.faults.push(
      { route: 'searchStream:2223334444', times: 1, response: { status: 200, body: [42] } },
      {
        route: 'searchStream:2223334444',
        times: 1,
        response: { status: 200, body: [{ results: 'not a list' }] },
      },
    );
    const { code, stderr } = await runCli(
      adTest.args('g1', { lookbackDays: 0, window: ['2024-03-01', '2024-03-03'] }),
      env(),
    );
    expect(code, stderr).toBe(0);
    const retries = retryLines(stderr);
    expect(retries.some((line) => line.includes('a stream element is not a JSON object'))).toBe(
      true,
    );
    expect(
      retries.some((line) => line.includes('a stream element has results that are not a list')),
    ).toBe(true);
    expect(await loaded(PER_CUSTOMER_SQL)).toEqual(TWO_DAYS_PER_HEALTHY_CUSTOMER);
  });

  it("exits 2 on a rejected developer token, naming the customer and Google's error code", async () => {
    const { code, stdout, stderr } = await runCli(
      adTest.args('g1', { window: ['2024-03-01', '2024-03-02'] }),
      env({ T_DEV: 'devTok-wrong0123456789' }),
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      'customer 1234567890: Google Ads API error: UNAUTHENTICATED: DEVELOPER_TOKEN_INVALID: The developer token is not valid.',
    );
    expect(retryLines(stderr)).toEqual([]);
    expectNoSecrets(`${stdout}${stderr}`, [
      ...Object.values(CREDENTIALS),
      'devTok-wrong0123456789',
      ACCESS_TOKEN,
    ]);
  });

  it('exits 2 on a revoked refresh token and never prints any credential (separate process)', async () => {
    const revoked = await runCliProcess(
      adTest.args('g1', { debug: true }),
      env({ T_REFRESH: '1//0revokedRefreshToken99999999' }),
    );
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toContain('Google OAuth token refresh failed (HTTP 400 invalid_grant)');
    adTest.fake.faults.push({
      route: 'searchStream',
      times: 1000,
      response: quotaExhausted('0.001s'),
    });
    const throttled = await runCliProcess(
      adTest.args('g1', { lookbackDays: 0, window: ['2024-03-01', '2024-03-02'], debug: true }),
      env(),
    );
    expect(throttled.code).toBe(1);
    const output = `${revoked.stdout}${revoked.stderr}${throttled.stdout}${throttled.stderr}`;
    expectNoSecrets(output, [
      ...Object.values(CREDENTIALS),
      '1//0revokedRefreshToken99999999',
      ACCESS_TOKEN,
    ]);
  });
});
