/**
 * The one retry delay policy: after a failed attempt, whether to try again and how long to wait.
 * Every retry mechanism of the extractors asks it — the runtime's `withRetry` (core/retry.ts,
 * which the Facebook client uses through ad-platforms/retry.ts), the Google Ads stream loop and
 * the gaxios hooks of the GA4 client — so "the server's wait, else capped exponential backoff with
 * full jitter, within a bounded number of attempts" is decided here and nowhere else.
 *
 * Whether an error is worth retrying at all stays with each client (only it knows its platform's
 * errors), and so does reading the platform's own wait (Retry-After, Google's RetryInfo,
 * Facebook's estimated_time_to_regain_access): the client hands that wait in as `serverWaitMs`.
 * Pure: no clock, no sleep; randomness is injectable.
 */

export interface RetryPolicy {
  /** Total tries including the first one; at least 1. */
  readonly maxAttempts: number;
  /** Ceiling of the wait before the second try; doubles each try, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  /** Upper bound of any single wait, including waits the server asks for. */
  readonly maxDelayMs: number;
}

/**
 * For callers that configure nothing. The ad platforms never use it: their policy comes from
 * their `--max-attempts`, `--retry-base-ms` and `--retry-max-ms` flags.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

/** After failed attempt n: give up, or wait `waitMs` and make attempt n + 1. */
export type RetryStep =
  | { readonly retry: false }
  | { readonly retry: true; readonly waitMs: number };

/**
 * Full jitter ("Exponential Backoff and Jitter", AWS architecture blog): a uniform draw in
 * [0, min(max, base·2^(attempt−1))], so clients that failed together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * The decision after failed attempt `attempt` (1-based). A wait the server asked for wins over
 * the backoff — it knows when it will take us again — but is capped too, so one odd header cannot
 * stall a run for hours; it is not jittered, as the server already spreads its clients.
 */
export function nextRetry(
  policy: RetryPolicy,
  failure: {
    readonly attempt: number;
    /** The wait the server asked for, in ms, when it gave one. */
    readonly serverWaitMs?: number;
    /** Injected in tests: returns a number in [0, 1). */
    readonly random?: () => number;
  },
): RetryStep {
  if (failure.attempt >= Math.max(1, policy.maxAttempts)) return { retry: false };
  const waitMs =
    failure.serverWaitMs !== undefined && !Number.isNaN(failure.serverWaitMs)
      ? Math.min(Math.max(0, failure.serverWaitMs), policy.maxDelayMs)
      : backoffDelay(
          failure.attempt,
          policy.baseDelayMs,
          policy.maxDelayMs,
          failure.random ?? Math.random,
        );
  return { retry: true, waitMs };
}

/** Parses an HTTP `Retry-After` value (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
