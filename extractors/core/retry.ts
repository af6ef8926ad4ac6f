import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RETRY_POLICY, nextRetry, type RetryPolicy } from './retry-delay.js';

/**
 * Runs an operation until it succeeds, a non-retryable error comes, or the retry delay policy
 * (core/retry-delay.ts) gives up. An API that says how long to wait (HTTP Retry-After,
 * Facebook's usage headers, Google's RetryInfo) is honoured through `serverWaitMs`.
 * Policy fields left out take `DEFAULT_RETRY_POLICY`'s.
 */
export interface RetryOptions extends Partial<RetryPolicy> {
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

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const wait = options.wait ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(options.isRetryable?.(error) ?? true)) throw error;
      const step = nextRetry(policy, {
        attempt,
        serverWaitMs: options.serverWaitMs?.(error),
        random: options.random,
      });
      if (!step.retry) throw error;
      options.onRetry?.({ attempt, delayMs: step.waitMs, error });
      await wait(step.waitMs);
    }
  }
}
