/**
 * Google Ads API client: google-ads-api's `Customer.queryStream` (GAQL over REST
 * `googleAds:searchStream`) with retries on quota and transient errors, Google's RetryInfo /
 * `retryDelay` honoured, and token-free errors.
 *
 * Parsing is disabled (`disable_parsing`): the library's parser turns int64 strings such as
 * `costMicros` into JavaScript numbers, which loses precision; we keep the REST JSON as it is.
 */
import { Customer } from 'google-ads-api';
import { axiosOf, configureHost } from '../ad-platforms/axios-hosts.js';
import { accessToken, type GoogleOAuthClient } from '../ad-platforms/google-oauth.js';
import {
  RetriesExhaustedError,
  type RetryDecision,
  type RetryEvent,
  type RetryPolicy,
  realSleep,
  type Sleep,
} from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { backoffDelay } from '../core/retry.js';

export const GOOGLE_ADS_HOST = 'https://googleads.googleapis.com';

const axios = axiosOf('google-ads-api');

/** A REST result row as Google sends it: nested camelCase objects, int64 as strings. */
export type GaqlRow = Record<string, Record<string, unknown> | undefined>;

export interface GoogleAdsClientOptions {
  readonly customerId: string;
  readonly loginCustomerId?: string;
  readonly developerToken: string;
  readonly oauth: GoogleOAuthClient;
  readonly retry: RetryPolicy;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** An API error without tokens or URLs. Authentication/authorization problems exit 2. */
export class GoogleAdsApiError extends ExtractorError {
  constructor(
    readonly operation: string,
    readonly detail: string,
    readonly configuration: boolean,
  ) {
    super(
      redact(`${operation}: Google Ads API error: ${detail}`, 600),
      configuration ? EXIT_USAGE : EXIT_RUNTIME,
    );
  }
}

/**
 * Request timeout for the library's REST calls and, with `apiUrl`, their host (a proxy or the
 * loopback fake). Process-wide, like the host it replaces.
 */
export function configureGoogleAdsHttp(settings: { timeoutMs: number; apiUrl?: string }): void {
  configureHost(axios, GOOGLE_ADS_HOST, {
    timeoutMs: settings.timeoutMs,
    baseUrl: settings.apiUrl,
  });
}

interface GoogleErrorShape {
  errorCode?: Record<string, string>;
  message?: string;
  details?: { quotaErrorDetails?: { retryDelay?: string } };
}

/** "30s" / "1.5s" (protobuf Duration in JSON) → milliseconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

const RETRYABLE_CODES = new Set([
  'RESOURCE_EXHAUSTED',
  'RESOURCE_TEMPORARILY_EXHAUSTED',
  'INTERNAL_ERROR',
  'TRANSIENT_ERROR',
  'DEADLINE_EXCEEDED',
]);
const RETRYABLE_STATUSES = new Set([
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'INTERNAL',
  'DEADLINE_EXCEEDED',
  'ABORTED',
]);
const CONFIGURATION_KINDS = new Set(['authenticationError', 'authorizationError']);

/** What an error from the library says, whichever of its shapes it has. */
function describe(error: unknown): {
  kind: 'failure' | 'status' | 'network' | 'unparseable' | 'other';
  codes: string[];
  kinds: string[];
  message: string;
  retryDelayMs?: number;
} {
  // A GoogleAdsFailure (the first entry of error.details): a list of typed errors.
  const failureErrors = (error as { errors?: GoogleErrorShape[] } | null)?.errors;
  if (Array.isArray(failureErrors)) {
    const codes = failureErrors.flatMap((e) => Object.values(e.errorCode ?? {}));
    const kinds = failureErrors.flatMap((e) => Object.keys(e.errorCode ?? {}));
    const delays = failureErrors.map(
      (e) => durationMs(e.details?.quotaErrorDetails?.retryDelay) ?? 0,
    );
    return {
      kind: 'failure',
      codes,
      kinds,
      message: failureErrors.map((e) => `${codes.join(',')}: ${e.message ?? ''}`).join('; '),
      retryDelayMs: Math.max(0, ...delays) || undefined,
    };
  }
  // No answer at all (timeout, reset): checked first, an AxiosError may also carry a `cause`.
  if (axios.isAxiosError(error) && !error.response) {
    return {
      kind: 'network',
      codes: [String(error.code ?? '')],
      kinds: [],
      message: `network error ${error.code ?? ''}`,
    };
  }
  if (error instanceof Error) {
    // No GoogleAdsFailure: the library wraps the google.rpc.Status as `cause`.
    const cause = (
      error as { cause?: { code?: number; status?: string; details?: { retryDelay?: string }[] } }
    ).cause;
    if (cause && (cause.status || cause.code)) {
      const delay = (cause.details ?? []).map((d) => durationMs(d.retryDelay) ?? 0);
      return {
        kind: 'status',
        codes: [String(cause.status ?? ''), String(cause.code ?? '')],
        kinds: [],
        message: `${cause.status ?? cause.code}: ${error.message}`,
        retryDelayMs: Math.max(0, ...delay) || undefined,
      };
    }
    // An HTML page from a proxy, or a stream cut off partway, fails the library's streaming
    // JSON parser.
    if (/parse|Unexpected token|JSON/i.test(error.message)) {
      return {
        kind: 'unparseable',
        codes: [],
        kinds: [],
        message: 'response was not complete JSON (HTML error page or a cut-off stream?)',
      };
    }
  }
  return {
    kind: 'other',
    codes: [],
    kinds: [],
    message: error instanceof Error ? error.message : String(error),
  };
}

export function classifyGoogleAdsError(error: unknown): RetryDecision {
  if (error instanceof ExtractorError) return { retry: false };
  const info = describe(error);
  if (info.kind === 'network' || info.kind === 'unparseable')
    return { retry: true, reason: info.message };
  const retryable =
    info.codes.some((c) => RETRYABLE_CODES.has(c) || RETRYABLE_STATUSES.has(c)) ||
    info.codes.some((c) => /^(429|5\d\d)$/.test(c));
  if (!retryable) return { retry: false };
  return {
    retry: true,
    reason: info.codes.filter(Boolean).join(' '),
    waitHintMs: info.retryDelayMs,
  };
}

function toApiError(operation: string, error: unknown): Error {
  if (error instanceof ExtractorError) return error;
  if (error instanceof RetriesExhaustedError) {
    return new GoogleAdsApiError(
      operation,
      `gave up after ${error.attempts} attempts: ${describe(error.cause).message}`,
      false,
    );
  }
  const info = describe(error);
  return new GoogleAdsApiError(
    operation,
    info.message,
    info.kinds.some((k) => CONFIGURATION_KINDS.has(k)),
  );
}

/** `123-456-7890` → `1234567890`, the form the API wants. */
export function normaliseCustomerId(id: string): string {
  return id.replace(/-/g, '');
}

export class GoogleAdsClient {
  private readonly customer: Customer;

  constructor(private readonly options: GoogleAdsClientOptions) {
    const { oauth } = options;
    const customer = new Customer(
      {
        // The library only uses these for its own token refresh, which getAccessToken replaces.
        client_id: '',
        client_secret: '',
        developer_token: options.developerToken,
        disable_parsing: true,
      },
      {
        customer_id: normaliseCustomerId(options.customerId),
        login_customer_id: options.loginCustomerId
          ? normaliseCustomerId(options.loginCustomerId)
          : undefined,
        refresh_token: '',
      },
    );
    // Our OAuth client (overridable token endpoint, token-free errors) instead of the library's.
    customer.getAccessToken = () => accessToken(oauth);
    this.customer = customer;
  }

  /**
   * The rows of one GAQL query in batches of at most `batchRows`, as the searchStream delivers
   * them, so memory holds one batch (plus the stream element being parsed, up to 10,000 rows)
   * however many rows the query has. The last batch, `complete: true`, comes after the stream
   * ended well (it may be empty).
   *
   * A failed stream is retried from the start (Google sends rows in no guaranteed order, so a
   * row count cannot say where to resume). Rows of a failed attempt that were already yielded
   * come again: written twice under the same keys, the ReplacingMergeTree keeps one. Only a
   * `complete` batch says the query's rows are all there.
   */
  async *queryBatches(
    operation: string,
    gaql: string,
    batchRows: number,
  ): AsyncGenerator<{ readonly rows: GaqlRow[]; readonly complete: boolean }> {
    const { retry, onRetry } = this.options;
    const sleep = this.options.sleep ?? realSleep;
    for (let attempt = 1; ; attempt += 1) {
      let yielded = 0;
      let rows: GaqlRow[] = [];
      try {
        for await (const row of this.customer.queryStream<GaqlRow>(gaql)) {
          rows.push(row);
          if (rows.length >= batchRows) {
            yield { rows, complete: false };
            yielded += rows.length;
            rows = [];
          }
        }
      } catch (error) {
        const decision = classifyGoogleAdsError(error);
        if (!decision.retry) throw toApiError(operation, error);
        if (attempt >= retry.maxAttempts) {
          const exhausted =
            attempt > 1 ? new RetriesExhaustedError(operation, attempt, error) : error;
          throw toApiError(operation, exhausted);
        }
        const waitMs =
          decision.waitHintMs !== undefined
            ? Math.min(decision.waitHintMs, retry.maxDelayMs)
            : backoffDelay(attempt, retry.baseDelayMs, retry.maxDelayMs, Math.random);
        const partway = yielded > 0 ? ` after ${yielded} rows; the query is read again` : '';
        onRetry?.({ operation, attempt, reason: `${decision.reason}${partway}`, waitMs });
        await sleep(waitMs);
        continue;
      }
      yield { rows, complete: true };
      return;
    }
  }

  /** All rows of a query known to be small (the customer's own row). */
  async queryAll(operation: string, gaql: string): Promise<GaqlRow[]> {
    const rows: GaqlRow[] = [];
    for await (const batch of this.queryBatches(operation, gaql, Number.POSITIVE_INFINITY)) {
      rows.push(...batch.rows);
    }
    return rows;
  }
}
