import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries with exponential backoff, full jitter and a bounded number of attempts. An API that
 * says how long to wait (HTTP Retry-After, Facebook's usage headers, Google's RetryInfo) is
 * honoured through `serverWaitMs`, which wins over the computed backoff.
 */
export interface RetryOptions {
  /** Total attempts including the first; at least 1. */
  attempts?: number;
  /** Backoff before the 2nd attempt; doubles each time up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** False stops retrying at once (bad credentials, bad request). Default: retry everything. */
  isRetryable?: (error: unknown) => boolean;
  /** A wait the server asked for, in ms, or undefined. */
  serverWaitMs?: (error: unknown) => number | undefined;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injected in tests: returns a number in [0, 1). */
  random?: () => number;
  /** Injected in tests to avoid real waiting. */
  wait?: (ms: number) => Promise<unknown>;
}

export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const random = options.random ?? Math.random;
  const wait = options.wait ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      const retryable = options.isRetryable?.(error) ?? true;
      if (!retryable || attempt >= attempts) throw error;
      const serverWait = options.serverWaitMs?.(error);
      const delayMs =
        serverWait !== undefined
          ? Math.min(serverWait, maxDelayMs)
          : backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs);
    }
  }
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
