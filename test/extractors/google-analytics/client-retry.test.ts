/**
 * The GA4 client's gaxios retry hooks against the loopback fake, in process: the one delay policy
 * (core/retry-delay.ts) decides the waits and when to give up, the client which errors retry.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { googleOAuthClient } from '../../../extractors/ad-platforms/google-oauth.js';
import {
  AnalyticsClient,
  type AnalyticsClientEvent,
} from '../../../extractors/google-analytics/client.js';
import { type FakeAnalytics, gaError, startFakeAnalytics } from '../../fakes/google-analytics.js';

const CREDENTIALS = {
  clientId: '789-fake.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-fakeRetrySecret',
  refreshToken: '1//0fakeRetryRefreshToken',
};
const PROPERTY = {
  id: '333333333',
  currency: 'USD',
  timezone: 'UTC',
  rows: [{ dimensions: { date: '20240301' }, metrics: { sessions: 7 } }],
};
const REQUEST = {
  propertyId: PROPERTY.id,
  since: '2024-03-01',
  untilInclusive: '2024-03-01',
  dimensions: ['date'],
  metrics: ['sessions'],
};

let fake: FakeAnalytics;
beforeAll(async () => {
  fake = await startFakeAnalytics({ ...CREDENTIALS, properties: [PROPERTY] });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.faults.length = 0;
});

/** Reads the report with a recording sleep; returns its rows, the waits and the retry events. */
async function readReport(retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number }) {
  const waits: number[] = [];
  const events: AnalyticsClientEvent[] = [];
  const client = new AnalyticsClient({
    oauth: googleOAuthClient({ ...CREDENTIALS, tokenUrl: `${fake.url}/token` }),
    rootUrl: fake.url,
    retry,
    requestTimeoutMs: 5_000,
    pageSize: 100,
    quotaReservePct: 0,
    sleep: async (ms) => {
      waits.push(ms);
    },
    onEvent: (event) => events.push(event),
  });
  const rows: unknown[] = [];
  let error: unknown;
  try {
    for await (const page of client.reportPages(REQUEST)) rows.push(...page.rows);
  } catch (e) {
    error = e;
  }
  return { rows, waits, retries: events.filter((e) => e.kind === 'retry'), error };
}

const throttled = (retryAfter: string) => ({
  ...gaError(429, 'RESOURCE_EXHAUSTED', 'Exhausted property tokens.'),
  headers: { 'retry-after': retryAfter },
});

describe('GA4 client retries', () => {
  it("honours Retry-After, capped at the policy's maximum, and backs off without one", async () => {
    fake.faults.push(
      { route: 'runReport', times: 1, response: throttled('0.02') },
      { route: 'runReport', times: 1, response: throttled('3600') },
      {
        route: 'runReport',
        times: 1,
        response: gaError(503, 'UNAVAILABLE', 'The service is unavailable.'),
      },
    );
    const { rows, waits, retries, error } = await readReport({
      maxAttempts: 4,
      baseDelayMs: 10,
      maxDelayMs: 500,
    });
    expect(error).toBeUndefined();
    expect(rows).toHaveLength(1);
    expect(waits).toHaveLength(3);
    // 20 ms as asked; an hour capped at 500 ms; then full jitter within 10·2² ms.
    expect(waits.slice(0, 2)).toEqual([20, 500]);
    expect(waits[2]).toBeGreaterThanOrEqual(0);
    expect(waits[2]).toBeLessThanOrEqual(40);
    expect(retries.map((e) => e.kind === 'retry' && [e.attempt, e.waitMs])).toEqual([
      [1, 20],
      [2, 500],
      [3, waits[2]],
    ]);
  });

  it('gives up after maxAttempts, and never retries a client error', async () => {
    fake.faults.push({ route: 'runReport', times: 10, response: throttled('0') });
    const exhausted = await readReport({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 });
    expect(exhausted.waits).toEqual([0, 0]);
    expect(String(exhausted.error)).toMatch(/HTTP 429: gave up after 3 attempts/);

    fake.faults.length = 0;
    fake.faults.push({
      route: 'runReport',
      times: 10,
      response: gaError(400, 'INVALID_ARGUMENT', 'Field sessionz is not a valid metric.'),
    });
    const rejected = await readReport({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 });
    expect(rejected.waits).toEqual([]);
    expect(String(rejected.error)).toMatch(/HTTP 400: INVALID_ARGUMENT/);
  });
});
