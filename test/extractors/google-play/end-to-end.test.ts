/**
 * google-play end to end: the real CLI, googleapis' Cloud Storage and Reporting clients and
 * google-auth-library's JWT client (token URL pointed at the loopback fake, which checks the
 * RS256 assertion against the key's public key) into embedded ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { googleError, PLAY_ACCESS_TOKEN } from '../../fakes/google-play.js';
import { HTML_500_PAGE } from '../../fakes/http.js';
import {
  cursorState,
  expectNoSecrets,
  FAST_RETRIES,
  retryLines,
  runCli,
  runCliProcess,
  useAdTestRun,
} from '../ad-platforms/support.js';
import {
  BUCKET,
  EARNINGS,
  EARNINGS_FILE,
  FOREIGN_KEY,
  installCounts,
  PACKAGES,
  PRIVATE_KEY,
  ratings,
  rewrittenMarch,
  SERVICE_ACCOUNT_KEY,
  startPlayFake,
  vitalsDays,
} from './fixture.js';

const PLAY_KEY = 'PLAY_TEST_KEY';

const playTest = useAdTestRun({
  source: 'google-play',
  fastFlags: FAST_RETRIES,
  accountsPrefix: 'play-',
  accounts: [
    'google-play:',
    '  p1:',
    `    bucket: ${BUCKET}`,
    '    accounts: ["com.example.alpha", "com.example.beta"]',
    `    credentials: { service_account_key: ${PLAY_KEY} }`,
    '  p2:',
    `    bucket: gs://${BUCKET}`,
    '    accounts: ["com.example.alpha", "com.example.gamma", "com.example.beta"]',
    `    credentials: { service_account_key: ${PLAY_KEY} }`,
    '  bad:',
    '    bucket: my-bucket',
    '    accounts: ["alpha"]',
    `    credentials: { service_account_key: ${PLAY_KEY} }`,
  ],
  startFake: () => startPlayFake(),
  fakeEnv: (fake) => ({
    GOOGLE_PLAY_STORAGE_URL: fake.url,
    GOOGLE_PLAY_REPORTING_URL: fake.url,
    GOOGLE_OAUTH_TOKEN_URL: `${fake.url}/token`,
    [PLAY_KEY]: SERVICE_ACCOUNT_KEY,
  }),
});
const { env, loaded } = playTest;

/** --until 2024-03-06 with a 10-day lookback: months 2024-02 and 2024-03 (up to the 5th),
 *  vitals 2024-02-25 up to the API's freshness (2024-03-05). */
const WINDOW = { flags: ['--until', '2024-03-06'], lookbackDays: 10 };

function expectedInstalls(packages: readonly string[], country: boolean, lastDay = '2024-03-05') {
  const rows: Record<string, unknown>[] = [];
  for (const pkg of packages) {
    const p = PACKAGES.indexOf(pkg as (typeof PACKAGES)[number]);
    for (const c of country ? ['DE', 'US'] : ['']) {
      for (let day = '2024-02-01'; day <= lastDay; day = nextDay(day)) {
        const counts = installCounts(p, day, c);
        rows.push({
          package_name: pkg,
          ...(country ? { country: c } : {}),
          date: day,
          daily_device_installs: counts[0],
          daily_user_installs: counts[4],
          uninstall_events: counts[9],
        });
      }
    }
  }
  return rows;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const INSTALLS_SQL = (table: string, country: boolean) => `
  SELECT package_name, ${country ? 'country, ' : ''}toString(date) AS date,
         toString(daily_device_installs) AS daily_device_installs,
         toString(daily_user_installs) AS daily_user_installs,
         toString(uninstall_events) AS uninstall_events
  FROM raw.${table} FINAL ORDER BY package_name, ${country ? 'country, ' : ''}date`;

describe('extract google-play', () => {
  it('loads every report exactly through 429, 5xx, an HTML page and a truncated body', async () => {
    const alphaMarch = 'stats/installs/installs_com.example.alpha_202403_overview.csv';
    playTest.fake.faults.push(
      {
        route: 'list',
        times: 1,
        response: { ...googleError(429, 'Rate limit exceeded.'), headers: { 'retry-after': '0' } },
      },
      { route: `media:${alphaMarch}`, times: 1, response: googleError(503, 'Backend Error') },
      {
        route: `media:${alphaMarch}`,
        times: 1,
        response: { status: 500, body: HTML_500_PAGE, html: true },
      },
      {
        route: `media:${alphaMarch}`,
        times: 1,
        response: {
          status: 200,
          body: undefined,
          bytes: playTest.fake.objects.get(alphaMarch),
          contentType: 'text/csv',
          truncateAt: 100,
        },
      },
      {
        route: 'query',
        times: 1,
        response: googleError(503, 'The service is unavailable.', 'UNAVAILABLE'),
      },
    );
    const run = await runCli(playTest.args('p1', WINDOW), env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/extract google-play ok/);
    expect(retryLines(run.stderr).length).toBe(5);

    const p1 = ['com.example.alpha', 'com.example.beta'];
    expect(await loaded(INSTALLS_SQL('google_play_installs_overview', false))).toEqual(
      expectedInstalls(p1, false),
    );
    expect(await loaded(INSTALLS_SQL('google_play_installs_country', true))).toEqual(
      expectedInstalls(p1, true),
    );
    const ratingRows = await loaded<Record<string, unknown>>(`
      SELECT package_name, toString(date) AS date, toString(daily_average_rating) AS daily,
             toString(total_average_rating) AS total
      FROM raw.google_play_ratings_overview FINAL ORDER BY package_name, date`);
    expect(ratingRows.length).toBe(2 * 34);
    for (const row of ratingRows) {
      const [daily, total] = ratings(
        PACKAGES.indexOf(row.package_name as never),
        row.date as string,
      );
      expect(row).toEqual({
        ...row,
        daily: daily === 'NA' ? null : String(Number(daily)),
        total,
      });
    }
    expect(ratingRows.find((r) => r.date === '2024-02-07')?.daily).toBeNull();

    expect(
      await loaded(`
        SELECT package_name, toString(transaction_date) AS date, description, transaction_type,
               buyer_country, toString(amount_merchant_currency) AS amount, merchant_currency, line
        FROM raw.google_play_earnings FINAL ORDER BY package_name, line`),
    ).toEqual(
      EARNINGS.map((e, i) => ({ ...e, line: i + 1 }))
        .filter((e) => p1.includes(e.pkg))
        .map((e) => ({
          package_name: e.pkg,
          date: e.date,
          description: e.order,
          transaction_type: e.type,
          buyer_country: e.country,
          amount: String(Number(e.amount)),
          merchant_currency: 'USD',
          line: e.line,
        })),
    );
    expect(await loaded(`SELECT DISTINCT source_file FROM raw.google_play_earnings`)).toEqual([
      { source_file: `${EARNINGS_FILE}/PlayApps_202402.csv` },
    ]);

    const crash = await loaded(`
      SELECT package_name, toString(date) AS date, toString(crash_rate) AS rate,
             toString(user_perceived_crash_rate) AS perceived, toString(distinct_users) AS users
      FROM raw.google_play_vitals_crash_rate FINAL ORDER BY package_name, date`);
    expect(crash).toEqual(
      p1.flatMap((pkg) =>
        vitalsDays(PACKAGES.indexOf(pkg as never), 'crash')
          .filter((d) => d.date >= '2024-02-25' && d.date < '2024-03-05')
          .map((d) => ({
            package_name: pkg,
            date: d.date,
            rate: d.metrics.crashRate?.replace(/0+$/, ''),
            perceived: d.metrics.userPerceivedCrashRate?.replace(/0+$/, ''),
            users: d.metrics.distinctUsers,
          })),
      ),
    );
    expect(
      await loaded(`SELECT toString(count()) AS n FROM raw.google_play_vitals_anr_rate FINAL`),
    ).toEqual([{ n: String(2 * 9) }]); // 2024-02-25 .. 2024-03-04 (a leap year)
    // Vitals were asked only up to the API's freshness, in Pacific time.
    expect(playTest.fake.queries.map((q) => q.body.timelineSpec)).toContainEqual({
      aggregationPeriod: 'DAILY',
      startTime: { year: 2024, month: 2, day: 25, timeZone: { id: 'America/Los_Angeles' } },
      endTime: { year: 2024, month: 3, day: 5, timeZone: { id: 'America/Los_Angeles' } },
    });
    expect(await playTest.accountStates('installs_overview')).toEqual(
      p1.map((account) => ({ account, state: cursorState('2024-03-05') })),
    );
    expect(await playTest.accountStates('vitals_crash_rate')).toEqual(
      p1.map((account) => ({ account, state: cursorState('2024-03-04') })),
    );
  });
});

describe('extract google-play: re-runs, failures and secrets', () => {
  const countSql = (table: string) =>
    `SELECT toString(count()) AS n, toString(uniqExact(package_name, date)) AS keys FROM raw.${table} FINAL`;

  it('re-reads rewritten months idempotently: same rows twice = same table, days added to a month loaded', async () => {
    expect((await runCli(playTest.args('p1', WINDOW), env())).code).toBe(0);
    const first = await loaded(INSTALLS_SQL('google_play_installs_overview', false));
    const again = await runCli(playTest.args('p1', WINDOW), env());
    expect(again.code, again.stderr).toBe(0);
    expect(await loaded(INSTALLS_SQL('google_play_installs_overview', false))).toEqual(first);
    expect(await loaded(countSql('google_play_installs_overview'))).toEqual([
      { n: '68', keys: '68' },
    ]);
    // A day later Play has rewritten March with one more day; the state's day cursor plus the
    // lookback re-reads February and March, and nothing is duplicated.
    for (const [name, bytes] of rewrittenMarch()) playTest.fake.objects.set(name, bytes);
    const later = await runCli(
      playTest.args('p1', { flags: ['--until', '2024-03-08'], lookbackDays: 3 }),
      env(),
    );
    expect(later.code, later.stderr).toBe(0);
    expect(await loaded(INSTALLS_SQL('google_play_installs_overview', false))).toEqual(
      expectedInstalls(['com.example.alpha', 'com.example.beta'], false, '2024-03-07'),
    );
    // Vitals: the re-runs went back 10 days from the cursor (2024-03-04), to 2024-02-24; the
    // API has nothing past 2024-03-04 yet, so nothing more and nothing twice.
    expect(await loaded(countSql('google_play_vitals_crash_rate'))).toEqual([
      { n: '20', keys: '20' },
    ]);
  });

  it('one failing package leaves the others loaded; its failed stream keeps its state (exit 1)', async () => {
    const gammaMarch = 'stats/installs/installs_com.example.gamma_202403_overview.csv';
    playTest.fake.faults.push({
      route: `media:${gammaMarch}`,
      times: 1000,
      response: googleError(503, 'Backend Error'),
    });
    const run = await runCli(playTest.args('p2', WINDOW), env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED \(com\.example\.gamma\)/);
    expect(run.stderr).toMatch(
      /installs_overview failed .*download gs:\/\/pubsite_prod_rev_01234567890987654321\/stats\/installs\/installs_com\.example\.gamma_202403_overview\.csv: Google Play API error HTTP 503: gave up after 6 attempts/,
    );
    expect(
      await loaded(
        `SELECT package_name, toString(count()) AS n FROM raw.google_play_installs_overview FINAL GROUP BY package_name ORDER BY package_name`,
      ),
    ).toEqual([
      { package_name: 'com.example.alpha', n: '34' },
      { package_name: 'com.example.beta', n: '34' },
      // February was written before March's download failed; the state stopped there.
      { package_name: 'com.example.gamma', n: '29' },
    ]);
    expect(await playTest.accountStates('installs_overview')).toEqual([
      { account: 'com.example.alpha', state: cursorState('2024-03-05') },
      { account: 'com.example.beta', state: cursorState('2024-03-05') },
      { account: 'com.example.gamma', state: cursorState('2024-02-29') },
    ]);
    // gamma's other streams loaded.
    expect(
      await loaded(
        `SELECT toString(count()) AS n FROM raw.google_play_crashes_overview FINAL WHERE package_name = 'com.example.gamma'`,
      ),
    ).toEqual([{ n: '34' }]);
  });

  it('a malformed value fails its stream with file, line and column, keeping earlier months', async () => {
    const name = 'stats/crashes/crashes_com.example.alpha_202403_overview.csv';
    const { utf16Csv } = await import('../../fakes/google-play.js');
    playTest.fake.objects.set(
      name,
      utf16Csv([
        ['Date', 'Package Name', 'Daily Crashes', 'Daily ANRs'],
        ['2024-03-01', 'com.example.alpha', '5', '1'],
        ['2024-03-02', 'com.example.alpha', '1.5e3', '1'],
      ]),
    );
    const run = await runCli(playTest.args('p1', WINDOW), env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${name} line 3 column daily_crashes: \\"1.5e3\\" not an integer`);
    expect(await playTest.accountStates('crashes_overview')).toEqual([
      { account: 'com.example.alpha', state: cursorState('2024-02-29') },
      { account: 'com.example.beta', state: cursorState('2024-03-05') },
    ]);
    expect(
      await loaded(
        `SELECT toString(max(date)) AS d FROM raw.google_play_crashes_overview WHERE package_name = 'com.example.alpha'`,
      ),
    ).toEqual([{ d: '2024-02-29' }]);
  });

  it('earnings not granted (403) are logged and skipped, not an error', async () => {
    await playTest.restartFake(() => startPlayFake({ earningsDenied: true }));
    const run = await runCli(playTest.args('p1', WINDOW), env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/earnings not granted to this service account .*HTTP 403/);
    expect(await loaded(`SELECT count() AS n FROM raw.google_play_earnings`)).toEqual([{ n: 0 }]);
    expect(await playTest.accountStates('earnings')).toEqual([]);
    expect(await loaded(countSql('google_play_ratings_overview'))).toEqual([
      { n: '68', keys: '68' },
    ]);
  });

  it('exit 2 on a config error and on a key the token endpoint refuses; no secret in any output', async () => {
    const bad = await runCliProcess(playTest.args('bad'), env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '`google-play.bad.accounts.0`: must be an Android package name like com.example.app; `google-play.bad.bucket`: must be the reports bucket like pubsite_prod_rev_',
    );

    const foreign = await runCliProcess(
      playTest.args('p1', { ...WINDOW, debug: true }),
      env({ [PLAY_KEY]: FOREIGN_KEY }),
    );
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(
      'Google OAuth service account token request failed (HTTP 400 invalid_grant)',
    );
    const notJson = await runCliProcess(
      playTest.args('p1', WINDOW),
      env({ [PLAY_KEY]: `x${SERVICE_ACCOUNT_KEY}` }),
    );
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('the service account key is not JSON');

    playTest.fake.faults.push({
      route: 'list',
      times: 1,
      response: googleError(401, 'Invalid Credentials', undefined, 'authError'),
    });
    // A 401 from the bucket is a credentials problem no retry fixes: exit 2 (one stream of one
    // package here; the rest loaded).
    const unauthorized = await runCliProcess(playTest.args('p1', WINDOW), env());
    expect(unauthorized.code).toBe(2);
    expect(unauthorized.stderr).toMatch(/installs_overview failed .*HTTP 401: Invalid Credentials/);
    const ok = await runCliProcess(playTest.args('p1', { ...WINDOW, debug: true }), env());
    expect(ok.code, ok.stderr).toBe(0);

    const output = [bad, foreign, notJson, unauthorized, ok]
      .map((r) => r.stdout + r.stderr)
      .join('\n');
    const keyLines = PRIVATE_KEY.split('\n').filter((l) => l && !l.startsWith('-----'));
    expectNoSecrets(output, [
      SERVICE_ACCOUNT_KEY,
      FOREIGN_KEY,
      PLAY_ACCESS_TOKEN,
      '4f9c0e1d2b3a49587766aabbccddeeff00112233',
      ...keyLines,
      ...keyLines.map((line) => line.slice(10, 30)),
      ...JSON.parse(FOREIGN_KEY)
        .private_key.split('\n')
        .filter((l: string) => l && !l.startsWith('-----')),
    ]);
  });
});
