/**
 * Bounded exponential backoff with full jitter, shared by the three ad-platform clients.
 *
 * Each client classifies its own errors (which are throttling, which are transient, what wait the
 * platform asked for); this module only decides how long to wait and when to give up. The sleep
 * function is injectable so tests record the waits instead of spending them.
 */

export interface RetryPolicy {
  /** Total tries including the first one. */
  readonly maxAttempts: number;
  /** Wait before the second try; doubles each time (before jitter). */
  readonly baseDelayMs: number;
  /** Upper bound of any single wait, including waits the platform asks for. */
  readonly maxDelayMs: number;
}

export type RetryDecision =
  | { readonly retry: false }
  | {
      readonly retry: true;
      /** Short, token-free description for the log, e.g. "HTTP 429 (code 17)". */
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

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly classify: (error: unknown) => RetryDecision;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly random?: () => number;
}

/** Full-jitter backoff (AWS architecture blog): uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  waitHintMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  // The platform's own hint is a floor: waiting less only earns another throttle.
  const wanted = Math.max(jittered, waitHintMs ?? 0);
  return Math.min(wanted, policy.maxDelayMs);
}

export class RetriesExhaustedError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `${operation}: gave up after ${attempts} attempt(s): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'RetriesExhaustedError';
  }
}

export async function withRetry<T>(
  operation: string,
  run: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry) throw error;
      if (attempt >= options.policy.maxAttempts) {
        throw new RetriesExhaustedError(operation, attempt, error);
      }
      const waitMs = backoffDelayMs(attempt, options.policy, decision.waitHintMs, options.random);
      options.onRetry?.({ operation, attempt, reason: decision.reason, waitMs });
      await sleep(waitMs);
    }
  }
}
