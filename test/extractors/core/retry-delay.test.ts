import { describe, expect, test } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  nextRetry,
  type RetryPolicy,
} from '../../../extractors/core/retry-delay.js';

const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 300_000 };
/** The top of the jitter range: the ceiling the backoff may reach. */
const highest = () => 1 - Number.EPSILON;

function waitAfter(attempt: number, options: { serverWaitMs?: number; random?: () => number }) {
  const step = nextRetry(policy, { attempt, ...options });
  if (!step.retry) throw new Error(`gave up after attempt ${attempt}`);
  return step.waitMs;
}

describe('retry delay policy', () => {
  test('the backoff ceiling doubles per attempt from the base, up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5].map((attempt) => waitAfter(attempt, { random: highest }));
    expect(ceilings).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
    const capped = { ...policy, maxAttempts: 20 };
    const step = nextRetry(capped, { attempt: 19, random: highest });
    expect(step).toEqual({ retry: true, waitMs: 300_000 });
  });

  test('full jitter: every wait lies in [0, ceiling], spread over the range', () => {
    expect(waitAfter(3, { random: () => 0 })).toBe(0);
    expect(waitAfter(3, { random: () => 0.25 })).toBe(2_000);
    const draws = Array.from({ length: 500 }, () => waitAfter(3, {}));
    for (const waitMs of draws) {
      expect(waitMs).toBeGreaterThanOrEqual(0);
      expect(waitMs).toBeLessThanOrEqual(8_000);
    }
    // Not a constant: clients that failed together spread out.
    expect(new Set(draws).size).toBeGreaterThan(50);
    expect(Math.min(...draws)).toBeLessThan(2_000);
    expect(Math.max(...draws)).toBeGreaterThan(6_000);
  });

  test("the server's wait wins over the backoff, unjittered, but is capped", () => {
    expect(waitAfter(1, { serverWaitMs: 45_000, random: () => 0 })).toBe(45_000);
    expect(waitAfter(5, { serverWaitMs: 0, random: highest })).toBe(0);
    expect(waitAfter(1, { serverWaitMs: 3_600_000 })).toBe(300_000);
    expect(waitAfter(1, { serverWaitMs: Number.POSITIVE_INFINITY })).toBe(300_000);
    expect(waitAfter(1, { serverWaitMs: -5 })).toBe(0);
    // No usable number: the backoff decides.
    expect(waitAfter(2, { serverWaitMs: Number.NaN, random: highest })).toBe(4_000);
  });

  test('gives up once the attempts are spent, whatever the server asks', () => {
    expect(nextRetry(policy, { attempt: 5, random: highest }).retry).toBe(true);
    expect(nextRetry(policy, { attempt: 6 })).toEqual({ retry: false });
    expect(nextRetry(policy, { attempt: 6, serverWaitMs: 1 })).toEqual({ retry: false });
    expect(nextRetry({ ...policy, maxAttempts: 1 }, { attempt: 1 })).toEqual({ retry: false });
    // A policy of zero attempts still makes the first one, and never a second.
    expect(nextRetry({ ...policy, maxAttempts: 0 }, { attempt: 1 })).toEqual({ retry: false });
  });

  test('the defaults, for callers that configure nothing', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: 5,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
    });
    expect(backoffDelay(3, 1_000, 60_000, () => 0.5)).toBe(2_000);
  });
});
