/**
 * How the ad-platform clients use the runtime's retry (extractors/core/retry.ts): each client
 * classifies its own errors once — retry or not, why, and the wait the platform asked for — and
 * this adapter turns that into the runtime's options. How long to wait and when to give up is
 * the one delay policy's (extractors/core/retry-delay.ts). The sleep is injectable so tests
 * record the waits instead of spending them.
 */
import type { Logger } from '../core/logger.js';
import { type RetryOptions, withRetry } from '../core/retry.js';
import type { RetryPolicy } from '../core/retry-delay.js';

export type { RetryPolicy } from '../core/retry-delay.js';

export type RetryDecision =
  | { readonly retry: false }
  | {
      readonly retry: true;
      /** Short, token-free description for the log, e.g. "HTTP 429 (throttled)". */
      readonly reason: string;
      /** The platform's own "retry after" signal, when it gave one. */
      readonly waitHintMs?: number;
    };

export interface RetryEvent {
  readonly operation: string;
  readonly attempt: number;
  readonly reason: string;
  readonly waitMs: number;
}

/** The one log line of a retry, the same for every ad platform. */
export function logRetry(log: Logger, event: RetryEvent): void {
  log.warn(`${event.operation}: ${event.reason}; retry ${event.attempt} in ${event.waitMs} ms`, {
    event: 'retry',
    wait_ms: event.waitMs,
  });
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last error of an operation that was retried until the attempts ran out. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`${operation}: gave up after ${attempts} attempts`);
    this.name = 'RetriesExhaustedError';
  }
}

export async function retrying<T>(
  operation: string,
  run: () => Promise<T>,
  options: {
    readonly policy: RetryPolicy;
    readonly classify: (error: unknown) => RetryDecision;
    readonly sleep?: Sleep;
    readonly onRetry?: (event: RetryEvent) => void;
  },
): Promise<T> {
  const { policy, classify } = options;
  let attempts = 0;
  const runtimeOptions: RetryOptions = {
    ...policy,
    isRetryable: (error) => classify(error).retry,
    serverWaitMs: (error) => {
      const decision = classify(error);
      return decision.retry ? decision.waitHintMs : undefined;
    },
    onRetry: ({ attempt, delayMs, error }) => {
      const decision = classify(error);
      const reason = decision.retry ? decision.reason : 'error';
      options.onRetry?.({ operation, attempt, reason, waitMs: delayMs });
    },
    wait: options.sleep ?? realSleep,
  };
  try {
    return await withRetry((attempt) => {
      attempts = attempt;
      return run();
    }, runtimeOptions);
  } catch (error) {
    if (attempts > 1 && classify(error).retry) {
      throw new RetriesExhaustedError(operation, attempts, error);
    }
    throw error;
  }
}
