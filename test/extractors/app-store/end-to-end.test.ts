/**
 * app-store end to end: the real CLI (ES256 JWT from jose, fetch, gunzip, TSV parsing) against
 * the loopback App Store Connect fake, which verifies every token, into embedded ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { todayIn } from '../../../extractors/core/dates.js';
import { type FakeAppStore, RATE_LIMITED, startFakeAppStore } from '../../fakes/app-store.js';
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
  addDays,
  apps,
  ENGAGEMENT,
  expectedAnalytics,
  expectedSales,
  ISSUER_ID,
  KEY_FRAGMENT,
  KEY_ID,
  LOADED_ANALYTICS_SQL,
  LOADED_SALES_SQL,
  PRIVATE_KEY,
  PUBLIC_KEY,
  salesData,
  sortRows,
} from './fixtures.js';

const start = (
  options: { sales?: ReturnType<typeof salesData>; apps?: ReturnType<typeof apps> } = {},
) =>
  startFakeAppStore({
    issuerId: ISSUER_ID,
    keyId: KEY_ID,
    publicKey: PUBLIC_KEY,
    sales: options.sales ?? salesData(),
    apps: options.apps ?? apps(),
  });

const adTest = useAdTestRun<FakeAppStore>({
  source: 'app-store',
  fastFlags: FAST_RETRIES,
  accountsPrefix: 'app-store-',
  accounts: [
    'app-store:',
    '  s1:',
    '    accounts: ["vendor:85000001", "vendor:85000002", "app:1111111111"]',
    '    credentials: { issuer_id: ASC_ISSUER, key_id: ASC_KEY_ID, private_key: ASC_P8 }',
    '  s2:',
    '    accounts: ["vendor:85000001", "app:2222222222"]',
    '    credentials: { issuer_id: ASC_ISSUER, key_id: ASC_KEY_ID, private_key: ASC_P8 }',
    '  bad:',
    '    accounts: ["85000001"]',
    '    credentials: { issuer_id: ASC_ISSUER, key_id: ASC_KEY_ID, private_key: ASC_P8 }',
  ],
  startFake: () => start(),
  fakeEnv: (fake) => ({
    APP_STORE_API_URL: fake.url,
    ASC_ISSUER: ISSUER_ID,
    ASC_KEY_ID: KEY_ID,
    // As a one-line .env value carries it: newlines escaped.
    ASC_P8: PRIVATE_KEY.replace(/\n/g, '\\n'),
  }),
});
const { env, loaded } = adTest;

const sales = async () => sortRows(await loaded(LOADED_SALES_SQL));
const analytics = async () => sortRows(await loaded(LOADED_ANALYTICS_SQL));
const states = async () =>
  (
    await loaded<{ account: string; stream: string; state: string }>(
      `SELECT account, stream, state FROM raw._extractor_state FINAL WHERE source = 'app-store' ORDER BY account, stream`,
    )
  ).map((s) => `${s.account} ${s.stream} ${s.state}`);

describe('extract app-store', () => {
  it('loads exact sales and analytics rows through 429, 5xx, HTML pages, truncated and corrupt gzip bodies', async () => {
    adTest.fake.faults.push(
      { route: 'salesReports', times: 1, response: RATE_LIMITED },
      {
        route: 'salesReports',
        times: 1,
        response: {
          status: 503,
          body: {
            errors: [
              {
                status: '503',
                code: 'SERVICE_UNAVAILABLE',
                title: 'Service Unavailable',
                detail: 'try later',
              },
            ],
          },
        },
      },
      {
        route: 'salesReports',
        times: 1,
        response: { status: 502, body: HTML_500_PAGE, html: true },
      },
      // Full length announced, connection cut half way.
      {
        route: 'salesReports:85000002',
        times: 1,
        response: {
          status: 200,
          body: undefined,
          bytes: Buffer.alloc(400, 1),
          contentType: 'application/a-gzip',
          truncateAt: 100,
        },
      },
      { route: 'instances', times: 1, response: RATE_LIMITED },
      { route: 'segments', times: 1, response: { status: 500, body: HTML_500_PAGE, html: true } },
      { route: 'download', times: 1, delayMs: 2000 },
    );
    const run = await runCli(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-04'], lookbackDays: 0 }),
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-04'));
    expect(await analytics()).toEqual(expectedAnalytics('2024-03-01', '2024-03-04'));
    const retries = retryLines(run.stderr);
    expect(retries.length).toBe(7);
    expect(run.stderr).toContain(
      'HTTP 429 rate limited (X-Rate-Limit user-hour-lim:3600;user-hour-rem:0;)',
    );
    expect(run.stderr).toContain('HTML error page');
    // The faults answered in the report's place: each of the 3 days reached the report once.
    expect(adTest.fake.salesAsked.filter((a) => a.startsWith('85000001')).length).toBe(3);
    // One token for the run's three accounts (one key), verified by the fake on every request.
    expect(adTest.fake.tokens.size).toBe(1);
    expect(await states()).toEqual([
      `app:1111111111 analytics_report ${cursorState('2024-03-03')}`,
      `vendor:85000001 sales_summary ${cursorState('2024-03-03')}`,
      `vendor:85000002 sales_summary ${cursorState('2024-03-03')}`,
    ]);
  });

  it('retries a gzip file that is complete on the wire but cut short inside, and a segment failing its checksum', async () => {
    // A gzip stream missing its end, served with a correct Content-Length.
    const { gzipSync } = await import('node:zlib');
    const whole = gzipSync(Buffer.from('Provider\tUnits\nAPPLE\t1\n'));
    adTest.fake.faults.push(
      {
        route: 'salesReports:85000001',
        times: 1,
        response: {
          status: 200,
          body: undefined,
          bytes: whole.subarray(0, whole.length - 6),
          contentType: 'application/a-gzip',
        },
      },
      {
        route: 'download',
        times: 1,
        response: { status: 200, body: undefined, bytes: whole, contentType: 'application/a-gzip' },
      },
    );
    const run = await runCli(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-02'], lookbackDays: 0 }),
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/truncated or corrupt gzip body/);
    expect(run.stderr).toMatch(/segment checksum mismatch/);
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-02'));
    expect(await analytics()).toEqual(expectedAnalytics('2024-03-01', '2024-03-02'));
  });

  it('re-runs an overlapping window idempotently and resumes from the state minus the lookback', async () => {
    expect(
      (
        await runCli(
          adTest.args('s1', { window: ['2024-03-01', '2024-03-04'], lookbackDays: 0 }),
          env(),
        )
      ).code,
    ).toBe(0);
    adTest.fake.salesAsked.length = 0;
    const next = await runCli(
      adTest.args('s1', { lookbackDays: 2, flags: ['--until', '2024-03-06'] }),
      env(),
    );
    expect(next.code, next.stderr).toBe(0);
    // Cursor 2024-03-03, lookback 2 → 2024-03-02 again, through 2024-03-05.
    expect(adTest.fake.salesAsked.filter((a) => a.startsWith('85000001'))).toEqual(
      ['2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05'].map((d) => `85000001 ${d}`),
    );
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-06'));
    expect(await analytics()).toEqual(expectedAnalytics('2024-03-01', '2024-03-06'));
    const total = await loaded<{ n: string }>(
      'SELECT toString(count()) AS n FROM raw.app_store_sales_summary FINAL',
    );
    expect(total).toEqual([{ n: String(expectedSales('2024-03-01', '2024-03-06').length) }]);
  });

  it('one failing vendor leaves the other vendor and the app loaded, exit 1, its state not written', async () => {
    adTest.fake.faults.push({
      route: 'salesReports:85000002',
      times: 1000,
      response: { status: 500, body: HTML_500_PAGE, html: true },
    });
    const run = await runCli(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-03'], lookbackDays: 0 }),
      env(),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED \(vendor:85000002\)/);
    expect(run.stderr).toMatch(
      /sales report vendor 85000002 2024-03-01: gave up after 6 attempts: HTTP 500 HTML error page/,
    );
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-03', ['85000001']));
    expect(await analytics()).toEqual(expectedAnalytics('2024-03-01', '2024-03-03'));
    expect(await states()).toEqual([
      `app:1111111111 analytics_report ${cursorState('2024-03-02')}`,
      `vendor:85000001 sales_summary ${cursorState('2024-03-02')}`,
    ]);
  });

  it('holds the state before a day that fails, and completes it on the next run', async () => {
    // Days 1 and 2 answer, day 3 fails for good.
    adTest.fake.faults.push({
      route: 'salesReports:85000001',
      after: 2,
      times: 1000,
      response: {
        status: 503,
        body: { errors: [{ status: '503', code: 'SERVICE_UNAVAILABLE', detail: 'down' }] },
      },
    });
    const args = adTest.args('s1', { window: ['2024-03-01', '2024-03-05'], lookbackDays: 0 });
    const failed = await runCli(args, env());
    expect(failed.code).toBe(1);
    expect(await sales()).toEqual(
      [
        ...expectedSales('2024-03-01', '2024-03-03', ['85000001']),
        ...expectedSales('2024-03-01', '2024-03-05', ['85000002']),
      ].sort((a, b) =>
        JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))),
      ),
    );
    expect((await states()).filter((s) => s.startsWith('vendor:85000001'))).toEqual([
      `vendor:85000001 sales_summary ${cursorState('2024-03-02')}`,
    ]);
    adTest.fake.faults.length = 0;
    const rerun = await runCli(args, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-05'));
    expect((await states()).filter((s) => s.startsWith('vendor:85000001'))).toEqual([
      `vendor:85000001 sales_summary ${cursorState('2024-03-04')}`,
    ]);
  });

  it('stops at a day Apple has not published yet: logged, not an error, the state before it', async () => {
    const today = todayIn('America/Los_Angeles');
    // Published: five days ago to two days ago, and (out of order) today; yesterday is not yet.
    const days = [-5, -4, -3, -2, 0].map((n) => addDays(today, n));
    const app = apps(days);
    await adTest.restartFake(() => start({ sales: salesData(days), apps: app }));
    const since = addDays(today, -5);
    const run = await runCli(
      adTest.args('s1', { window: [since, addDays(today, 1)], lookbackDays: 0, debug: true }),
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `sales_summary ${addDays(today, -1)}: not yet available from Apple`,
    );
    expect(run.stderr).toContain(
      `analytics_report ${addDays(today, -1)}: not yet available from Apple`,
    );
    expect(adTest.fake.salesAsked.filter((a) => a.startsWith('85000001'))).not.toContain(
      `85000001 ${today}`,
    );
    expect(await states()).toEqual(
      [
        'app:1111111111 analytics_report',
        'vendor:85000001 sales_summary',
        'vendor:85000002 sales_summary',
      ].map((s) => `${s} ${cursorState(addDays(today, -2))}`),
    );
    const maxDay = await loaded<{ d: string }>(
      'SELECT toString(max(report_date)) AS d FROM raw.app_store_sales_summary',
    );
    expect(maxDay).toEqual([{ d: addDays(today, -2) }]);
  });

  it('treats an old day without a report as a day without sales, and loads the analytics reports an old day has', async () => {
    // Apple never published the engagement report of 2024-03-01; the downloads report it did.
    const partial = apps();
    const first = partial[0] as (typeof partial)[number];
    partial[0] = {
      ...first,
      instances: {
        ...first.instances,
        [ENGAGEMENT]: Object.fromEntries(
          Object.entries(first.instances[ENGAGEMENT] ?? {}).filter(([d]) => d !== '2024-03-01'),
        ),
      },
    };
    await adTest.restartFake(() => start({ apps: partial }));
    const run = await runCli(
      adTest.args('s1', { window: ['2024-02-27', '2024-03-02'], lookbackDays: 0 }),
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await sales()).toEqual(expectedSales('2024-02-27', '2024-03-02'));
    const downloadsOnly = expectedAnalytics('2024-02-27', '2024-03-02').filter(
      (r) => r.report_name !== ENGAGEMENT,
    );
    expect(downloadsOnly.length).toBe(4);
    expect(await analytics()).toEqual(downloadsOnly);
    expect(await states()).toEqual([
      `app:1111111111 analytics_report ${cursorState('2024-03-01')}`,
      ...VENDOR_STATES('2024-03-01'),
    ]);
  });

  it('creates the ONGOING report request only with --create-report-requests', async () => {
    const without = await runCli(
      adTest.args('s2', { window: ['2024-03-01', '2024-03-02'], lookbackDays: 0 }),
      env(),
    );
    expect(without.code).toBe(2);
    expect(without.stderr).toContain(
      'app 2222222222 has no active ONGOING analytics report request; run once with --create-report-requests',
    );
    // The vendor of the same group is loaded all the same.
    expect(await sales()).toEqual(expectedSales('2024-03-01', '2024-03-02', ['85000001']));
    const withFlag = await runCli(
      adTest.args('s2', {
        window: ['2024-03-01', '2024-03-02'],
        lookbackDays: 0,
        flags: ['--create-report-requests', '--reports', ENGAGEMENT],
      }),
      env(),
    );
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(withFlag.stderr).toContain('created ONGOING analytics report request');
    const engagement = expectedAnalytics('2024-03-01', '2024-03-02', ['2222222222']).filter(
      (r) => r.report_name === ENGAGEMENT,
    );
    expect(engagement.length).toBe(3);
    expect(await analytics()).toEqual(engagement);
  });

  it('exits 2 on a key Apple rejects or cannot read or a malformed account, 1 on a failing vendor, 0 when all load, and never prints the key or a token (separate process)', async () => {
    const other = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const wrongKey = other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rejected = await runCliProcess(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-02'], debug: true }),
      env({ ASC_P8: wrongKey }),
    );
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain(
      'App Store Connect rejected the token (HTTP 401 NOT_AUTHORIZED',
    );
    const unreadable = await runCliProcess(
      adTest.args('s1', { debug: true }),
      env({ ASC_P8: 'not a pem key at all' }),
    );
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('private_key is not an ES256 PKCS#8 PEM');
    const malformed = await runCliProcess(adTest.args('bad'), env());
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('must be `vendor:<vendor number>`');
    adTest.fake.faults.push({
      route: 'salesReports:85000002',
      times: 1000,
      response: { status: 503, body: { errors: [{ status: '503', code: 'SERVICE_UNAVAILABLE' }] } },
    });
    const failing = await runCliProcess(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-02'], lookbackDays: 0 }),
      env(),
    );
    expect(failing.code, failing.stderr).toBe(1);
    adTest.fake.faults.length = 0;
    const ok = await runCliProcess(
      adTest.args('s1', { window: ['2024-03-01', '2024-03-02'], lookbackDays: 0, debug: true }),
      env(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(adTest.fake.tokens.size).toBeGreaterThan(0);
    const output = [rejected, unreadable, malformed, failing, ok]
      .map((r) => r.stdout + r.stderr)
      .join('\n');
    expectNoSecrets(output, [
      ...adTest.fake.tokens,
      KEY_FRAGMENT,
      ...wrongKey.split('\n').filter((l) => l && !l.startsWith('-----')),
      'fakeSignature0123456789',
    ]);
    // A JWT's header segment never appears either.
    expect(output).not.toMatch(/eyJhbGciOiJFUzI1Ni/);
  });
});

const VENDOR_STATES = (date: string) =>
  ['vendor:85000001', 'vendor:85000002'].map((a) => `${a} sales_summary ${cursorState(date)}`);
