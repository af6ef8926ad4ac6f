/**
 * clevertap end to end: the real CLI and our CleverTap client against the loopback fake
 * (account id and passcode headers checked, the two-step cursor protocol) into embedded
 * ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { fail, startFakeCleverTap } from '../../fakes/clevertap.js';
import { HTML_500_PAGE } from '../../fakes/http.js';
import {
  expectNoSecrets,
  FAST_RETRIES,
  insertedBatches,
  logEvents,
  retryLines,
  runCli,
  runCliProcess,
  useAdTestRun,
} from '../ad-platforms/support.js';
import {
  ACCOUNTS,
  EVENTS_SQL,
  type ExpectedEvent,
  type ExpectedProfile,
  expectedEvents,
  expectedProfiles,
  PASSCODES,
  PROFILES_SQL,
  sortEvents,
  sortProfiles,
  TIMEZONE,
} from './data.js';

const [A, B, C] = ACCOUNTS as [(typeof ACCOUNTS)[0], (typeof ACCOUNTS)[0], (typeof ACCOUNTS)[0]];

const adTest = useAdTestRun({
  source: 'clevertap',
  fastFlags: [...FAST_RETRIES, '--timezone', TIMEZONE],
  accountsPrefix: 'clevertap-',
  accounts: [
    'clevertap:',
    '  c1:',
    '    region: in1',
    `    accounts: ["${A.id}", "${B.id}"]`,
    '    credentials: { passcode: CT_PASSCODE }',
    `    passcodes: { "${B.id}": CT_PASSCODE_B }`,
    '  c2:',
    `    accounts: ["${A.id}", "${C.id}", "${B.id}"]`,
    '    credentials: { passcode: CT_PASSCODE }',
    `    passcodes: { "${B.id}": CT_PASSCODE_B, "${C.id}": CT_PASSCODE_C }`,
  ],
  startFake: () => startFakeCleverTap(ACCOUNTS),
  fakeEnv: (fake) => ({
    CLEVERTAP_API_URL: fake.url,
    CT_PASSCODE: PASSCODES.a,
    CT_PASSCODE_B: PASSCODES.b,
    CT_PASSCODE_C: PASSCODES.c,
  }),
});
const { env } = adTest;

const events = async () => sortEvents(await adTest.loaded<ExpectedEvent>(EVENTS_SQL));
const profiles = async () => sortProfiles(await adTest.loaded<ExpectedProfile>(PROFILES_SQL));

/** The saved per-event-name state of a stream: `{"cursors":{"App Launched":{…}}}`. */
const cursors = (days: Record<string, string>) =>
  JSON.stringify({
    cursors: Object.fromEntries(
      Object.entries(days).map(([name, day]) => [name, { lastLoadedDate: day }]),
    ),
  });

describe('extract clevertap', () => {
  it('loads exact events and profiles across pages through 429 (Retry-After), 5xx, HTML, cut-off bodies, fail bodies and an expired cursor', async () => {
    adTest.fake.faults.push(
      {
        route: 'cursor',
        times: 1,
        response: { ...fail(429, 429, 'Too many requests'), headers: { 'retry-after': '0.003' } },
      },
      { route: 'cursor', times: 1, response: fail(503, 503, 'Service unavailable') },
      { route: 'page', times: 1, response: { status: 502, body: HTML_500_PAGE, html: true } },
      {
        route: 'page',
        times: 1,
        after: 1,
        response: { status: 200, body: HTML_500_PAGE, html: true },
      },
      {
        route: 'page',
        times: 1,
        after: 2,
        response: {
          status: 200,
          body: { status: 'success', records: [{}, {}, {}] },
          truncateAt: 20,
        },
      },
      // CleverTap's throttling inside a 200 answer.
      {
        route: 'page',
        times: 1,
        after: 3,
        response: fail(200, 429, 'Too many concurrent requests'),
      },
      {
        route: 'page',
        times: 1,
        after: 5,
        response: fail(200, 400, 'Cursor has expired, please request a new cursor'),
      },
      { route: 'page', times: 1, after: 6, delayMs: 2000 },
    );
    const { code, stdout, stderr } = await runCli(
      adTest.args('c1', {
        window: ['2024-03-01', '2024-03-06'],
        chunkDays: 2,
        flags: ['--batch-size', '4'],
      }),
      env(),
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/extract clevertap ok/);
    expect(await events()).toEqual(expectedEvents([A, B], '2024-03-01', '2024-03-06'));
    expect(await profiles()).toEqual(expectedProfiles([A, B], '2024-03-01', '2024-03-06'));
    const retries = retryLines(stderr);
    expect(retries.length).toBe(8);
    // The 429's Retry-After (3 ms) is waited exactly, not the jittered backoff.
    expect(retries[0]).toMatch(/HTTP 429 status fail code 429: Too many requests; retry 1 in 3 ms/);
    expect(stderr).toMatch(/Cursor has expired.*the window is read again from a new cursor/);
    // Cursor requests: the day range as YYYYMMDD integers, `to` inclusive, in chunks of 2 days.
    const first = adTest.fake.queries.filter((q) => q.account === A.id && q.kind === 'events');
    expect(first.slice(0, 2).map((q) => [q.body, q.batchSize])).toEqual([
      [{ event_name: 'App Launched', from: 20240301, to: 20240302 }, 4],
      [{ event_name: 'App Launched', from: 20240303, to: 20240304 }, 4],
    ]);
    // Profiles take batch sizes CleverTap advises (multiples of 23) or, below 23, the flag's.
    expect(adTest.fake.queries.find((q) => q.kind === 'profiles')?.batchSize).toBe(4);
    expect(await adTest.accountStates('events')).toEqual(
      [A.id, B.id].map((account) => ({
        account,
        state: cursors({ 'App Launched': '2024-03-05', Charged: '2024-03-05' }),
      })),
    );
  });

  it('re-reads an overlapping window idempotently, resuming each event name from its state minus the lookback', async () => {
    const first = await runCli(adTest.args('c1', { window: ['2024-03-01', '2024-03-04'] }), env());
    expect(first.code, first.stderr).toBe(0);
    const firstCount = await adTest.loaded<{ n: string }>(
      'SELECT toString(count()) AS n FROM raw.clevertap_events',
    );
    adTest.fake.queries.length = 0;
    const next = await runCli(adTest.args('c1', { flags: ['--until', '2024-03-06'] }), env());
    expect(next.code, next.stderr).toBe(0);
    // State 2024-03-03, lookback 2 days: from 2024-03-02, one day per cursor request.
    expect(
      adTest.fake.queries
        .filter((q) => q.account === A.id && q.kind === 'events')
        .map((q) => `${q.body.event_name} ${q.body.from}`),
    ).toEqual(
      ['App Launched', 'Charged'].flatMap((name) =>
        [20240302, 20240303, 20240304, 20240305].map((day) => `${name} ${day}`),
      ),
    );
    expect(await events()).toEqual(expectedEvents([A, B], '2024-03-01', '2024-03-06'));
    expect(await profiles()).toEqual(expectedProfiles([A, B], '2024-03-01', '2024-03-06'));
    // Days read twice wrote their events twice under the same keys; FINAL keeps one of each.
    const [counts] = await adTest.loaded<{ all: string; keys: string }>(
      `SELECT toString(count()) AS all,
              toString(uniqExact(account_id, event_name, event_date, event_key)) AS keys
       FROM raw.clevertap_events`,
    );
    expect(Number(counts?.all)).toBeGreaterThan(Number(firstCount[0]?.n));
    expect(counts?.keys).toBe(String(expectedEvents([A, B], '2024-03-01', '2024-03-06').length));
  });

  it('holds the state of a failing event name and of a window cut off partway, keeping what was written', async () => {
    // Account A: `Charged` cannot get a cursor; `App Launched` fails on its third page.
    adTest.fake.faults.push(
      {
        route: `cursor:${A.id}/Charged`,
        times: 100,
        response: fail(503, 503, 'Service unavailable'),
      },
      { route: `page:${A.id}`, after: 2, times: 100, response: fail(500, 500, 'Internal error') },
    );
    const args = adTest.args('c1', {
      window: ['2024-03-01', '2024-03-06'],
      lookbackDays: 0,
      chunkDays: 5,
      debug: true,
      flags: ['--batch-size', '5', '--no-profiles'],
    });
    const failed = await runCli(args, env());
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`FAILED \\(${A.id}\\)`));
    const messages = logEvents(failed.stderr)
      .map((e) => String(e.msg))
      .join('\n');
    expect(messages).toMatch(
      /"App Launched" 2024-03-01..2024-03-05 \(page 3\): CleverTap API error: gave up after 6 attempts: HTTP 500/,
    );
    expect(messages).toMatch(
      /Charged" 2024-03-01..2024-03-05 \(cursor\): CleverTap API error: gave up after 6 attempts: HTTP 503/,
    );
    expect(
      logEvents(failed.stderr)
        .filter((e) => e.event === 'event_name_failed')
        .map((e) => e.event_name),
    ).toEqual(['App Launched', 'Charged']);
    // A's first two pages were written as they came.
    expect(insertedBatches(failed.stderr, (e) => e.account === A.id)).toEqual([5, 5]);
    expect(await adTest.accountStates('events')).toEqual([
      { account: B.id, state: cursors({ 'App Launched': '2024-03-05', Charged: '2024-03-05' }) },
    ]);

    // Only `Charged` still fails for A: `App Launched` loads and its state moves alone.
    adTest.fake.faults.splice(1, 1);
    const partly = await runCli(args, env());
    expect(partly.code).toBe(1);
    expect(await adTest.accountStates('events')).toEqual([
      { account: A.id, state: cursors({ 'App Launched': '2024-03-05' }) },
      { account: B.id, state: cursors({ 'App Launched': '2024-03-05', Charged: '2024-03-05' }) },
    ]);

    adTest.fake.faults.length = 0;
    const rerun = await runCli(args, env());
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await events()).toEqual(expectedEvents([A, B], '2024-03-01', '2024-03-06'));
    expect(await adTest.accountStates('events')).toEqual(
      [A.id, B.id].map((account) => ({
        account,
        state: cursors({ 'App Launched': '2024-03-05', Charged: '2024-03-05' }),
      })),
    );
  });

  it('loads the other accounts when one fails, exit 1', async () => {
    adTest.fake.faults.push({
      route: `page:${C.id}`,
      times: 1000,
      response: { status: 503, body: HTML_500_PAGE, html: true },
    });
    const run = await runCli(adTest.args('c2', { window: ['2024-03-02', '2024-03-04'] }), env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`FAILED \\(${C.id}\\)`));
    expect(run.stderr).toMatch(/not CleverTap's JSON \(an HTML error page from a proxy\?\)/);
    expect(await events()).toEqual(expectedEvents([A, B], '2024-03-02', '2024-03-04'));
    expect((await adTest.accountStates('events')).map((s) => s.account)).toEqual([A.id, B.id]);
  });

  it('exits 2 on a wrong passcode (401) and 403, 0 when all is well, 2 on bad flags, from the real CLI, with no passcode or fragment of one in any output', async () => {
    const wrong = 'WRG-5XQ-PLMT';
    const refused = await runCliProcess(
      adTest.args('c1', { window: ['2024-03-01', '2024-03-02'], debug: true }),
      env({ CT_PASSCODE: wrong }),
    );
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(new RegExp(`FAILED \\(${A.id}\\)`));
    expect(refused.stderr).toContain(
      'HTTP 401 status fail code 401: Invalid Credentials (check the account id, its region and the passcode)',
    );
    // B has its own passcode, which is right: loaded.
    expect(await adTest.loaded(`SELECT DISTINCT account_id FROM raw.clevertap_events`)).toEqual([
      { account_id: B.id },
    ]);

    adTest.fake.faults.push({
      route: 'cursor',
      times: 1,
      response: fail(403, 403, 'Forbidden: IP not whitelisted'),
    });
    const forbidden = await runCliProcess(
      adTest.args('c1', { window: ['2024-03-01', '2024-03-02'], flags: ['--no-profiles'] }),
      env(),
    );
    expect(forbidden.code).toBe(2);

    const ok = await runCliProcess(
      adTest.args('c1', { window: ['2024-03-01', '2024-03-03'], debug: true }),
      env(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    const usage = await runCliProcess(adTest.args('c1', { flags: ['--region', 'xx9'] }), env());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--region');

    const output = [refused, forbidden, ok, usage].map((r) => r.stdout + r.stderr).join('\n');
    const secrets = [...Object.values(PASSCODES), wrong];
    expectNoSecrets(output, secrets);
    // Not even a fragment: no 5 characters of a passcode in a row, dashes and all.
    for (const secret of secrets)
      for (let i = 0; i + 5 <= secret.length; i += 1)
        expect(output).not.toContain(secret.slice(i, i + 5));
    // Every request carried the account id and passcode headers (the fake refuses others).
    expect(
      adTest.fake.requests.every((r) => r.headers['x-clevertap-account-id'] !== undefined),
    ).toBe(true);
  });
});
