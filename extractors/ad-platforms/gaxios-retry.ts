/**
 * gaxios' retry (the transport of googleapis and google-auth-library) driven by the one delay
 * policy (core/retry-delay.ts): retry 429, 5xx and network errors (a timed-out request is
 * aborted, which is as retryable as a reset connection), wait what Google asks for in
 * Retry-After, else capped exponential backoff with full jitter, log each retry. Made per
 * request: the wait decided in `shouldRetry` is handed to `retryBackoff`, which gaxios calls
 * next for the same error.
 */
import { nextRetry, parseRetryAfter, type RetryPolicy } from '../core/retry-delay.js';
import { type RetryEvent, realSleep, type Sleep } from './retry.js';

/** The parts of a GaxiosError the retry and error messages read. */
export interface GaxiosLikeError {
  response?: { status?: number; data?: unknown; headers?: unknown };
  config?: { retryConfig?: { currentRetryAttempt?: number } };
  message?: string;
  code?: string | number;
}

/** A token-free description of a Google API error, for logs and error messages. */
export function gaxiosErrorDetail(error: GaxiosLikeError): string {
  const data = error.response?.data as
    | { error?: { message?: string; status?: string } | string }
    | string
    | undefined;
  // The auth client's token request failed: an OAuth error code, e.g. invalid_grant.
  if (data && typeof data === 'object' && typeof data.error === 'string') {
    return `Google OAuth token request failed (${data.error})`;
  }
  if (data && typeof data === 'object' && data.error && typeof data.error === 'object') {
    return `${data.error.status ?? ''} ${data.error.message ?? ''}`.trim();
  }
  if (typeof data === 'string' && /^\s*</.test(data)) {
    return 'response was not JSON (HTML error page?)';
  }
  if (typeof data === 'string' && data) return data.slice(0, 200);
  return error.code ? `network error ${error.code}` : (error.message ?? 'unknown error');
}

/** Retries gaxios made before giving up (0 when the first answer was final). */
export const gaxiosRetries = (error: GaxiosLikeError) =>
  error.config?.retryConfig?.currentRetryAttempt ?? 0;

export function gaxiosRetryConfig(options: {
  readonly operation: string;
  readonly policy: RetryPolicy;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}) {
  const sleep = options.sleep ?? realSleep;
  let waitMs = 0;
  return {
    // Replaces gaxios' own check entirely (its verb and status lists are never read).
    shouldRetry: (error: GaxiosLikeError) => {
      const status = error.response?.status;
      if (status !== undefined && status !== 429 && status < 500) return false;
      // gaxios counts retries made so far; the attempt that just failed is one more.
      const attempt = gaxiosRetries(error) + 1;
      const headers = error.response?.headers as
        | { get?: (name: string) => string | null }
        | undefined;
      const step = nextRetry(options.policy, {
        attempt,
        serverWaitMs: parseRetryAfter(headers?.get?.('retry-after')),
      });
      if (!step.retry) return false;
      waitMs = step.waitMs;
      return true;
    },
    retryBackoff: async (error: GaxiosLikeError) => {
      // gaxios has already counted this retry when it calls the backoff.
      options.onRetry?.({
        operation: options.operation,
        attempt: gaxiosRetries(error) || 1,
        reason: `HTTP ${error.response?.status ?? 'no response'} ${gaxiosErrorDetail(error)}`,
        waitMs,
      });
      await sleep(waitMs);
    },
  };
}
