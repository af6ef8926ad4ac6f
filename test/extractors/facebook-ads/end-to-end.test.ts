/**
 * facebook-ads end to end: the real CLI and SDK against the loopback Graph fake, into embedded
 * ClickHouse. Faults (throttling with usage headers, 5xx, HTML 500, slow answers, failed /
 * skipped / stalled report runs, many pages) must not change the loaded rows by one cent.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyFacebookError,
  usageFromHeaders,
} from '../../../extractors/facebook-ads/client.js';
import {
  type FakeInsight,
  graphError,
  startFakeGraph,
  throttled,
} from '../../fakes/facebook-graph.js';
import { HTML_500_PAGE } from '../../fakes/http.js';
import {
  cursorState,
  extractArgs,
  insertedBatches,
  logEvents,
  runCli,
  runCliProcess,
  useAdTestRun,
} from '../ad-platforms/support.js';

const TOKEN = 'EAAGfakeTokenValue0123456789abcdef';
const DAYS = [
  '2024-03-01',
  '2024-03-02',
  '2024-03-03',
  '2024-03-04',
  '2024-03-05',
  '2024-03-06',
  '2024-03-07',
  '2024-03-08',
  '2024-03-09',
  '2024-03-10',
];

/** Deterministic, varied numbers: ad × day × age, with cents that do not add up to round sums. */
function insightsFor(adIds: readonly string[], seed: number): FakeInsight[] {
  const rows: FakeInsight[] = [];
  DAYS.forEach((date, d) => {
    adIds.forEach((adId, a) => {
      ['18-24', '25-34'].forEach((age, g) => {
        const n = seed + d * 7 + a * 3 + g;
        rows.push({
          adId,
          date,
          breakdown: { age },
          impressions: 1000 + n * 37,
          clicks: 10 + (n % 9),
          spendCents: 1234 + n * 101,
          actions: n % 4 === 0 ? {} : { link_click: 5 + (n % 3), purchase: n % 2, lead: 0 },
          actionValues: n % 4 === 0 ? {} : { purchase: (n % 2) * 2599 },
        });
      });
    });
  });
  return rows;
}

function accounts() {
  return [
    {
      id: '1001',
      name: 'Shoes US',
      currency: 'USD',
      timezone: 'America/Los_Angeles',
      campaigns: [
        {
          id: '2003',
          name: 'Winter clearance',
          status: 'DELETED',
          effective_status: 'DELETED',
          objective: 'OUTCOME_SALES',
          created_time: '2024-01-10T10:00:00+0000',
          updated_time: '2024-03-06T09:00:00+0000',
        },
        {
          id: '2001',
          name: 'Spring sale',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          objective: 'OUTCOME_SALES',
          daily_budget: '5000',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-02T11:30:00+0000',
        },
        {
          id: '2002',
          name: 'Brand',
          status: 'PAUSED',
          effective_status: 'PAUSED',
          objective: 'OUTCOME_AWARENESS',
          lifetime_budget: '100000',
          created_time: '2024-02-03T10:00:00+0000',
          updated_time: '2024-02-03T10:00:00+0000',
        },
      ],
      adsets: [
        {
          id: '3001',
          name: 'Spring US 18-34',
          campaign_id: '2001',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          daily_budget: '2500',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
        {
          id: '3002',
          name: 'Brand broad',
          campaign_id: '2002',
          status: 'ACTIVE',
          effective_status: 'CAMPAIGN_PAUSED',
          created_time: '2024-02-03T10:00:00+0000',
          updated_time: '2024-02-03T10:00:00+0000',
        },
      ],
      ads: [
        {
          id: '4004',
          name: 'Winter leftovers',
          campaign_id: '2003',
          adset_id: '3001',
          status: 'DELETED',
          effective_status: 'DELETED',
          created_time: '2024-01-10T10:00:00+0000',
          updated_time: '2024-03-06T09:00:00+0000',
        },
        {
          id: '4001',
          name: 'Red shoe',
          campaign_id: '2001',
          adset_id: '3001',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
        {
          id: '4002',
          name: 'Blue shoe',
          campaign_id: '2001',
          adset_id: '3001',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
        {
          id: '4003',
          name: 'Logo',
          campaign_id: '2002',
          adset_id: '3002',
          status: 'ACTIVE',
          effective_status: 'CAMPAIGN_PAUSED',
          created_time: '2024-02-03T10:00:00+0000',
          updated_time: '2024-02-03T10:00:00+0000',
        },
      ],
      insights: insightsFor(['4001', '4002', '4003', '4004'], 1),
    },
    {
      id: '1002',
      name: 'Shoes DE',
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      campaigns: [
        {
          id: '2101',
          name: 'Frühling',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          objective: 'OUTCOME_SALES',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
      ],
      adsets: [
        {
          id: '3101',
          name: 'DE all',
          campaign_id: '2101',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
      ],
      ads: [
        {
          id: '4101',
          name: 'Roter Schuh',
          campaign_id: '2101',
          adset_id: '3101',
          status: 'ACTIVE',
          effective_status: 'ACTIVE',
          created_time: '2024-02-01T10:00:00+0000',
          updated_time: '2024-02-01T10:00:00+0000',
        },
      ],
      insights: insightsFor(['4101'], 50),
    },
  ];
}

/** What Graph would report per (account, ad, day) without breakdowns: sums over ages. */
function expectedDaily(graphAccounts: ReturnType<typeof accounts>, since: string, until: string) {
  const sums = new Map<
    string,
    { impressions: number; clicks: number; cents: number; purchases: number; purchaseValue: number }
  >();
  for (const account of graphAccounts) {
    for (const row of account.insights) {
      if (row.date < since || row.date >= until) continue;
      const key = `${account.id}|${row.adId}|${row.date}`;
      const sum = sums.get(key) ?? {
        impressions: 0,
        clicks: 0,
        cents: 0,
        purchases: 0,
        purchaseValue: 0,
      };
      sum.impressions += row.impressions;
      sum.clicks += row.clicks;
      sum.cents += row.spendCents;
      sum.purchases += row.actions.purchase ?? 0;
      sum.purchaseValue += row.actionValues.purchase ?? 0;
      sums.set(key, sum);
    }
  }
  return [...sums]
    .map(([key, s]) => {
      const [account_id, ad_id, date] = key.split('|');
      return {
        account_id,
        ad_id,
        date,
        impressions: String(s.impressions),
        clicks: String(s.clicks),
        spend: (s.cents / 100).toFixed(2),
        purchases: String(s.purchases),
        purchase_value: String(s.purchaseValue),
      };
    })
    .sort((a, b) =>
      `${a.account_id}${a.ad_id}${a.date}`.localeCompare(`${b.account_id}${b.ad_id}${b.date}`),
    );
}

const LOADED_SQL = `
  SELECT account_id, ad_id, toString(date) AS date, toString(impressions) AS impressions,
         toString(clicks) AS clicks, toString(toDecimal64(spend, 2)) AS spend,
         toString(toInt64(actions_flat['purchase'])) AS purchases,
         toString(action_values_flat['purchase']) AS purchase_value
  FROM raw.facebook_ads_ads_insights FINAL
  WHERE breakdowns = ''
  ORDER BY account_id, ad_id, date`;

const FAST = [
  '--lookback-days',
  '0',
  '--retry-base-ms',
  '1',
  '--retry-max-ms',
  '5',
  '--poll-interval-ms',
  '1',
  '--page-size',
  '7',
  '--request-timeout-ms',
  '500',
];

const adTest = useAdTestRun({
  source: 'facebook-ads',
  fastFlags: FAST,
  accountsPrefix: 'fb-ads-',
  accounts: [
    'facebook-ads:',
    '  d1:',
    '    accounts: ["act_1001", "1002"]',
    '    credentials: { access_token: FB_TEST_TOKEN }',
    '  broken:',
    '    accounts: ["act_1001", "act_1003", "act_1002"]',
    '    credentials: { access_token: FB_TEST_TOKEN }',
    '  one:',
    '    accounts: ["act_1001"]',
    '    credentials: { access_token: FB_TEST_TOKEN }',
    '  pasted:',
    '    accounts: ["act_1001"]',
    `    credentials: { access_token: "${TOKEN}!" }`,
  ],
  startFake: () => startFakeGraph({ accessToken: TOKEN, accounts: accounts() }),
  fakeEnv: (fake) => ({ FB_TEST_TOKEN: TOKEN, FACEBOOK_GRAPH_URL: fake.url }),
});
const { env } = adTest;
const loaded = (sql = LOADED_SQL) => adTest.loaded<Record<string, string>>(sql);

describe('facebook-ads client signals', () => {
  it('reads every usage header and the regain-access estimate', () => {
    const usage = usageFromHeaders({
      'x-app-usage': '{"call_count":12,"total_cputime":5,"total_time":7}',
      'x-ad-account-usage': '{"acc_id_util_pct":81.5,"reset_time_duration":30}',
      'x-business-use-case-usage':
        '{"2001":[{"type":"ads_insights","call_count":64,"total_cputime":9,"total_time":3,"estimated_time_to_regain_access":2}]}',
    });
    expect(usage).toEqual({ usagePct: 81.5, regainAccessMs: 120_000 });
  });

  it('treats the SDK SyntaxError of an HTML error page as retryable, bad tokens as final', () => {
    expect(classifyFacebookError(new SyntaxError('Unexpected token < in JSON')).retry).toBe(true);
    const sdkError = (status: number, code: number) =>
      Object.assign(new Error('x'), {
        name: 'FacebookRequestError',
        status,
        response: { code },
        headers: {},
      });
    expect(classifyFacebookError(sdkError(400, 190)).retry).toBe(false);
    expect(classifyFacebookError(sdkError(400, 17)).retry).toBe(true);
    expect(classifyFacebookError(sdkError(503, 2)).retry).toBe(true);
    expect(classifyFacebookError(new TypeError('bug')).retry).toBe(false);
  });
});

describe('extract facebook-ads', () => {
  it('loads exact rows through throttling, 5xx, an HTML 500, slow answers and failed, skipped and stalled report runs', async () => {
    adTest.fake.faults.push(
      { route: 'account', times: 1, response: throttled(1) },
      {
        route: 'campaigns',
        times: 1,
        response: graphError(500, 2, 'Service temporarily unavailable'),
      },
      { route: 'adsets', times: 1, delayMs: 150 },
      // Slower than --request-timeout-ms: abandoned and retried.
      { route: 'ads', times: 1, delayMs: 2000 },
      {
        route: 'insights-read',
        times: 2,
        response: { status: 500, body: HTML_500_PAGE, html: true },
      },
      {
        route: 'insights-poll',
        times: 1,
        response: graphError(503, 1, 'An unknown error occurred'),
      },
    );
    // The 4-day job of 03-05..03-08 on account 1001 fails, its halves are skipped / succeed,
    // 03-05 stalls as a whole account and succeeds per campaign.
    adTest.fake.jobOutcome = (job) => {
      if (job.accountId !== '1001' || job.campaignIds) return 'complete';
      if (job.since === '2024-03-05' && job.until === '2024-03-08') return 'fail';
      if (job.since === '2024-03-05' && job.until === '2024-03-06') return 'skip';
      if (job.since === '2024-03-05' && job.until === '2024-03-05') return 'stall';
      return 'complete';
    };
    const { code, stdout, stderr } = await runCli(
      adTest.args('d1', {
        window: ['2024-03-01', '2024-03-11'],
        flags: ['--job-days', '4', '--max-polls', '3'],
      }),
      env(),
    );
    expect(stderr).not.toContain(TOKEN);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/extract facebook-ads ok/);
    expect(await loaded()).toEqual(expectedDaily(accounts(), '2024-03-01', '2024-03-11'));

    // The split really happened: per-campaign runs for the stalled day.
    expect(
      adTest.fake.jobs.filter((j) => j.campaignIds).map((j) => [j.since, j.campaignIds]),
    ).toEqual([
      ['2024-03-05', ['2003']],
      ['2024-03-05', ['2001']],
      ['2024-03-05', ['2002']],
    ]);
    const events = logEvents(stderr);
    expect(events.filter((e) => e.event === 'async_job_split').length).toBe(3);
    // Graph asked for a minute (estimated_time_to_regain_access: 1): the wait is that hint,
    // capped at --retry-max-ms, not the 1 ms jittered backoff.
    expect(events.find((e) => String(e.msg).includes('(throttled)'))?.wait_ms).toBe(5);
    expect(events.filter((e) => e.event === 'retry').map((e) => e.msg)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('(throttled)'),
        expect.stringContaining('HTML error page'),
      ]),
    );

    const snapshot = await loaded(`
      SELECT account_id, id, name, status, objective, toString(daily_budget) AS daily_budget,
             toString(created_time) AS created_time
      FROM raw.facebook_ads_campaigns FINAL ORDER BY account_id, id`);
    expect(snapshot).toEqual([
      {
        account_id: '1001',
        id: '2001',
        name: 'Spring sale',
        status: 'ACTIVE',
        objective: 'OUTCOME_SALES',
        daily_budget: '5000',
        created_time: '2024-02-01 10:00:00',
      },
      {
        account_id: '1001',
        id: '2002',
        name: 'Brand',
        status: 'PAUSED',
        objective: 'OUTCOME_AWARENESS',
        daily_budget: null,
        created_time: '2024-02-03 10:00:00',
      },
      {
        account_id: '1001',
        id: '2003',
        name: 'Winter clearance',
        status: 'DELETED',
        objective: 'OUTCOME_SALES',
        daily_budget: null,
        created_time: '2024-01-10 10:00:00',
      },
      {
        account_id: '1002',
        id: '2101',
        name: 'Frühling',
        status: 'ACTIVE',
        objective: 'OUTCOME_SALES',
        daily_budget: null,
        created_time: '2024-02-01 10:00:00',
      },
    ]);
    const currencies = await loaded(`
      SELECT account_id, any(account_currency) AS currency, any(account_timezone) AS tz, toString(count()) AS n
      FROM raw.facebook_ads_ads_insights FINAL GROUP BY account_id ORDER BY account_id`);
    expect(currencies).toEqual([
      { account_id: '1001', currency: 'USD', tz: 'America/Los_Angeles', n: '40' },
      { account_id: '1002', currency: 'EUR', tz: 'Europe/Berlin', n: '10' },
    ]);
    const raw = await loaded(`
      SELECT actions FROM raw.facebook_ads_ads_insights FINAL
      WHERE account_id = '1001' AND ad_id = '4001' AND date = '2024-03-01'`);
    expect(JSON.parse(raw[0]?.actions ?? '')).toEqual([
      { action_type: 'link_click', value: '13' },
      { action_type: 'purchase', value: '1' },
      { action_type: 'lead', value: '0' },
    ]);
  });

  it('lists the campaigns once per job when several of its days each split by campaign', async () => {
    // The 2-day job fails; each of its days then stalls as a whole account.
    adTest.fake.jobOutcome = (job) => {
      if (job.campaignIds) return 'complete';
      return job.since === job.until ? 'stall' : 'fail';
    };
    const { code, stderr } = await runCli(
      adTest.args('one', {
        window: ['2024-03-05', '2024-03-07'],
        flags: ['--job-days', '2', '--max-polls', '2'],
      }),
      env(),
    );
    expect(code, stderr).toBe(0);
    expect(await loaded()).toEqual(
      expectedDaily(
        accounts().filter((a) => a.id === '1001'),
        '2024-03-05',
        '2024-03-07',
      ),
    );
    expect(adTest.fake.jobs.filter((j) => j.campaignIds).map((j) => j.since)).toEqual([
      '2024-03-05',
      '2024-03-05',
      '2024-03-05',
      '2024-03-06',
      '2024-03-06',
      '2024-03-06',
    ]);
    // One listing for the campaigns snapshot, one for the splits of both days.
    const listings = adTest.fake.requests.filter((r) => r.path.endsWith('/act_1001/campaigns'));
    expect(listings.length).toBe(2);
  });

  it('re-runs an overlapping window idempotently and picks up restated numbers', async () => {
    expect(
      (await runCli(adTest.args('d1', { window: ['2024-03-01', '2024-03-08'] }), env())).code,
    ).toBe(0);
    // Facebook restates 03-06 (late attributed conversions) before the second run.
    const restated = accounts();
    for (const account of restated) {
      for (const row of account.insights) {
        if (row.date === '2024-03-06')
          Object.assign(row, { clicks: row.clicks + 1, spendCents: row.spendCents + 3 });
      }
    }
    await adTest.restartFake(() => startFakeGraph({ accessToken: TOKEN, accounts: restated }));
    expect(
      (await runCli(adTest.args('d1', { window: ['2024-03-05', '2024-03-11'] }), env())).code,
    ).toBe(0);
    expect(await loaded()).toEqual(expectedDaily(restated, '2024-03-01', '2024-03-11'));
    expect(await adTest.accountStates('ads_insights')).toEqual(
      ['act_1001', 'act_1002'].map((account) => ({ account, state: cursorState('2024-03-10') })),
    );
  });

  it('keeps breakdown rows apart in the key, and their sums match the unbroken rows', async () => {
    const args = adTest.args('d1', { window: ['2024-03-01', '2024-03-03'] });
    expect((await runCli(args, env())).code).toBe(0);
    expect((await runCli([...args, '--breakdowns', 'age'], env())).code).toBe(0);
    const rows = await loaded(`
      SELECT breakdowns, toString(count()) AS n, toString(sum(impressions)) AS impressions, toString(sum(spend)) AS spend
      FROM raw.facebook_ads_ads_insights FINAL GROUP BY breakdowns ORDER BY breakdowns`);
    expect(rows.map((r) => [r.breakdowns, r.n])).toEqual([
      ['', '10'],
      ['age', '20'],
    ]);
    expect(rows[0]?.impressions).toBe(rows[1]?.impressions);
    expect(rows[0]?.spend).toBe(rows[1]?.spend);
    const ages = await loaded(`
      SELECT DISTINCT breakdown_values FROM raw.facebook_ads_ads_insights FINAL
      WHERE breakdowns = 'age' ORDER BY breakdown_values`);
    expect(ages).toEqual([
      { breakdown_values: '{"age":"18-24"}' },
      { breakdown_values: '{"age":"25-34"}' },
    ]);
  });

  it('loads the healthy accounts when one fails, exits 1 and advances only their state', async () => {
    adTest.fake.faults.push({
      route: 'account:1003',
      times: 100,
      response: graphError(500, 2, 'Service temporarily unavailable'),
    });
    const { code, stdout, stderr } = await runCli(
      adTest.args('broken', { window: ['2024-03-01', '2024-03-03'] }),
      env(),
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAILED \(act_1003\)/);
    expect(stderr).toMatch(/act_1003.*gave up after 6 attempts/);
    const perAccount = await loaded(`
      SELECT account_id, toString(count()) AS n FROM raw.facebook_ads_ads_insights FINAL
      GROUP BY account_id ORDER BY account_id`);
    expect(perAccount).toEqual([
      { account_id: '1001', n: '8' },
      { account_id: '1002', n: '2' },
    ]);
    const states = await adTest.accountStates('ads_insights');
    expect(states.map(({ account }) => account)).toEqual(['act_1001', 'act_1002']);
  });

  it('keeps the chunks written before a bad row and does not move the state past it', async () => {
    // run1 is account 1001's second 2-day report run; Graph answers it with a row ClickHouse
    // cannot take (a non-numeric spend).
    adTest.fake.faults.push({
      route: 'insights-read:run1',
      times: 1,
      response: {
        status: 200,
        body: {
          data: [
            {
              account_id: '1001',
              campaign_id: '2001',
              ad_id: '4001',
              impressions: '12',
              clicks: '1',
              spend: 'n/a',
              date_start: '2024-03-03',
              date_stop: '2024-03-03',
            },
          ],
          paging: { cursors: { before: 'MA==', after: 'MQ==' } },
        },
      },
    });
    const { code, stderr } = await runCli(
      adTest.args('d1', { window: ['2024-03-01', '2024-03-05'], flags: ['--job-days', '2'] }),
      env(),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /ads_insights failed after 8 rows: insert of 1 rows into raw.facebook_ads_ads_insights failed/,
    );
    const perAccount = await loaded(`
      SELECT account_id, toString(min(date)) AS first, toString(max(date)) AS last, toString(count()) AS n
      FROM raw.facebook_ads_ads_insights FINAL GROUP BY account_id ORDER BY account_id`);
    expect(perAccount).toEqual([
      { account_id: '1001', first: '2024-03-01', last: '2024-03-02', n: '8' },
      { account_id: '1002', first: '2024-03-01', last: '2024-03-04', n: '4' },
    ]);
    expect(await adTest.accountStates('ads_insights')).toEqual([
      { account: 'act_1001', state: cursorState('2024-03-02') },
      { account: 'act_1002', state: cursorState('2024-03-04') },
    ]);
  });

  it('writes a report run bigger than one insert batch as its pages come, and moves the state only after its last row', async () => {
    // 600 ads x 10 days: one report run of 6,000 rows in 500-row pages; 5,000 rows make an
    // insert batch.
    const ads = Array.from({ length: 600 }, (_, a) => ({
      id: String(50_000 + a),
      name: `ad ${a}`,
      campaign_id: '2001',
      adset_id: '3001',
    }));
    const insights: FakeInsight[] = DAYS.flatMap((date, d) =>
      ads.map((ad, a) => ({
        adId: ad.id,
        date,
        breakdown: {},
        impressions: 1000 + a * 3 + d,
        clicks: (a + d) % 17,
        spendCents: 101 + a * 7 + d,
        actions: {},
        actionValues: {},
      })),
    );
    const [base] = accounts();
    await adTest.restartFake(() =>
      startFakeGraph({ accessToken: TOKEN, accounts: [{ ...base!, ads, insights }] }),
    );
    // Page 12 (rows 5,501..6,000) fails for good, after the first 5,000 rows were written.
    adTest.fake.faults.push({
      route: 'insights-read',
      after: 11,
      times: 100,
      response: graphError(500, 2, 'Service temporarily unavailable'),
    });
    const fast = FAST.filter((_, i) => FAST[i - 1] !== '--page-size' && FAST[i] !== '--page-size');
    const args = extractArgs('facebook-ads', 'one', {
      window: ['2024-03-01', '2024-03-11'],
      pageSize: 500,
      debug: true,
      flags: ['--job-days', '10', ...fast],
    });
    const insightBatches = (stderr: string) =>
      insertedBatches(stderr, (event) => event.stream === 'ads_insights');
    const totals = `
      SELECT toString(count()) AS n, toString(sum(impressions)) AS impressions,
             toString(sum(clicks)) AS clicks, toString(toInt64(sum(spend) * 100)) AS spend_cents
      FROM raw.facebook_ads_ads_insights FINAL`;

    const failed = await runCli(args, env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /ads_insights failed after 5,000 rows: .*gave up after 6 attempts/,
    );
    expect(insightBatches(failed.stderr)).toEqual([5000]);
    expect((await loaded(totals))[0]?.n).toBe('5000');
    expect(await adTest.accountStates('ads_insights')).toEqual([]);

    adTest.fake.faults.length = 0;
    const rerun = await runCli(args, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(insightBatches(rerun.stderr)).toEqual([5000, 1000]);
    const sum = (pick: (row: FakeInsight) => number) =>
      insights.reduce((total, row) => total + pick(row), 0);
    expect(await loaded(totals)).toEqual([
      {
        n: '6000',
        impressions: String(sum((r) => r.impressions)),
        clicks: String(sum((r) => r.clicks)),
        spend_cents: String(sum((r) => r.spendCents)),
      },
    ]);
    expect(await adTest.accountStates('ads_insights')).toEqual([
      { account: 'act_1001', state: cursorState('2024-03-10') },
    ]);
  });

  it('fails a stream whose page is not an edge page with a located error, keeping the other streams', async () => {
    adTest.fake.faults.push({
      route: 'adsets:1001',
      times: 1,
      response: { status: 200, body: { success: true } },
    });
    const { code, stderr } = await runCli(
      adTest.args('d1', { window: ['2024-03-01', '2024-03-04'] }),
      env(),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'adsets failed after 0 rows: list adsets of act_1001: Graph API error: the page has no `data` array',
    );
    expect(await loaded()).toEqual(expectedDaily(accounts(), '2024-03-01', '2024-03-04'));
    const adsets = await loaded(
      'SELECT account_id, id FROM raw.facebook_ads_adsets FINAL ORDER BY account_id, id',
    );
    expect(adsets).toEqual([{ account_id: '1002', id: '3101' }]);
  });

  it('slows down when the usage headers approach the limit', async () => {
    adTest.fake.usageHeaders = {
      'x-ad-account-usage': JSON.stringify({ acc_id_util_pct: 90, reset_time_duration: 0 }),
    };
    const { code, stderr } = await runCli(
      adTest.args('d1', { window: ['2024-03-01', '2024-03-02'] }),
      env(),
    );
    expect(code).toBe(0);
    const pauses = stderr.split('\n').filter((line) => line.includes('"event":"throttle_pause"'));
    expect(pauses.length).toBeGreaterThan(0);
    expect(pauses[0]).toContain('"usage_pct":90');
  });

  it('rejects a bad accounts file and a pasted token with a located error, exit 2', async () => {
    const missing = await runCli(adTest.args('nope'), env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `--accounts-file: ${adTest.accountsFile} has no group \`nope\` under \`facebook-ads\` (groups: d1, broken, one, pasted)`,
    );
    const pasted = await runCli(adTest.args('pasted'), env());
    expect(pasted.code).toBe(2);
    // The key path in backticks: `access_token: must …` would lose its first word to redaction.
    expect(pasted.stderr).toContain(
      '`facebook-ads.pasted.credentials.access_token`: must be the NAME of an environment variable',
    );
    expect(pasted.stderr).toContain('be the NAME of an environment variable');
    expect(pasted.stderr).not.toContain(TOKEN);
  });

  it('never writes the token to its output, even when Graph rejects it (separate process)', async () => {
    adTest.fake.faults.push({
      route: 'campaigns',
      times: 100,
      response: { status: 502, body: HTML_500_PAGE, html: true },
    });
    const ok = await runCliProcess(
      adTest.args('d1', { window: ['2024-03-01', '2024-03-02'], debug: true }),
      env(),
    );
    expect(ok.code).toBe(1);
    expect(ok.stderr).toContain('gave up after 6 attempts');
    expect(`${ok.stdout}${ok.stderr}`).not.toContain(TOKEN);
    const wrong = await runCliProcess(
      adTest.args('d1', { debug: true }),
      env({ FB_TEST_TOKEN: 'EAAGwrongTokenValue999999999999' }),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('code 190');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('EAAGwrongTokenValue999999999999');
  });
});
