/**
 * Google Ads API client: GAQL over REST `googleAds:searchStream`, read by us — the request built
 * as google-ads-api builds it (its API version, host, headers, and the axios instance whose
 * interceptors set the timeout and test host) and the streamed JSON array parsed element by
 * element with stream-json. Retries on quota and transient errors, Google's RetryInfo /
 * `retryDelay` honoured, token-free errors.
 *
 * Why not the library's `Customer.queryStream`: it yields `element.results ?? []`, so a failure
 * Google reports inside a 200 stream (an `{"error": google.rpc.Status}` element after the first
 * results) was skipped, the stream looked complete and the state moved past rows never read.
 * Here such an element fails the query like an HTTP error does, and a body that does not end as
 * a whole JSON array (a cut connection, an empty body) is an error too, never "no more rows".
 *
 * Values are kept as REST JSON has them: int64 as strings (the library's parser would make
 * `costMicros` a lossy JavaScript number), nested camelCase objects.
 */
import { pipeline, type Readable } from 'node:stream';
import { googleAdsVersion } from 'google-ads-api/build/src/version.js';
import Parser from 'stream-json/Parser.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
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
import { nextRetry } from '../core/retry-delay.js';

const GOOGLE_ADS_HOST = 'https://googleads.googleapis.com';

/** The API version google-ads-api speaks (its protos and error types are of this version). */
const GOOGLE_ADS_API_VERSION = googleAdsVersion;

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
 * Request timeout for searchStream calls and, with `apiUrl`, their host (a proxy or the
 * loopback fake). Process-wide, like the host it replaces.
 */
export function configureGoogleAdsHttp(settings: { timeoutMs: number; apiUrl?: string }): void {
  configureHost(axios, GOOGLE_ADS_HOST, {
    timeoutMs: settings.timeoutMs,
    baseUrl: settings.apiUrl,
  });
}

/** google.rpc.Status as REST JSON carries it: an HTTP error body's and a stream element's `error`. */
export interface GoogleRpcStatus {
  readonly code?: number;
  readonly status?: string;
  readonly message?: string;
  readonly details?: readonly unknown[];
}

/** Google answered with an error status, as an HTTP error or as an element inside the stream. */
export class GoogleStatusError extends Error {
  constructor(
    readonly status: GoogleRpcStatus,
    /** Rows of this attempt before the error element; undefined for an HTTP error. */
    readonly inStreamAfterRows?: number,
  ) {
    super(status.message ?? status.status ?? 'Google Ads API error');
    this.name = 'GoogleStatusError';
  }
}

/** An answer that is not Google's JSON: an HTML page, a cut-off stream, a broken connection. */
class UnusableResponseError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'UnusableResponseError';
  }
}

/** One element of the searchStream array (SearchGoogleAdsStreamResponse, or an error). */
interface StreamElement {
  readonly results?: unknown;
  readonly error?: GoogleRpcStatus;
}

/** A GoogleAdsFailure error as REST JSON has it (an entry of google.rpc.Status details). */
interface GoogleAdsFailureError {
  readonly errorCode?: Record<string, string>;
  readonly message?: string;
  readonly details?: { readonly quotaErrorDetails?: { readonly retryDelay?: string } };
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
const CONFIGURATION_STATUSES = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED']);

interface Described {
  readonly message: string;
  readonly retryable: boolean;
  /** Short reason for the retry log line. */
  readonly reason: string;
  readonly retryDelayMs?: number;
  readonly configuration: boolean;
}

const objects = (values: readonly unknown[] | undefined): Record<string, unknown>[] =>
  (values ?? []).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);

/** What a google.rpc.Status says: its GoogleAdsFailure codes, RetryInfo and status. */
function describeStatus(error: GoogleStatusError): Described {
  const { status, inStreamAfterRows } = error;
  const details = objects(status.details);
  const failureErrors = objects(
    details.flatMap((d) => (Array.isArray(d.errors) ? (d.errors as unknown[]) : [])),
  ) as GoogleAdsFailureError[];
  const codes = failureErrors.flatMap((e) => Object.values(e.errorCode ?? {}));
  const kinds = failureErrors.flatMap((e) => Object.keys(e.errorCode ?? {}));
  const delays = [
    ...failureErrors.map((e) => durationMs(e.details?.quotaErrorDetails?.retryDelay) ?? 0),
    ...details
      .filter((d) => String(d['@type'] ?? '').endsWith('google.rpc.RetryInfo'))
      .map((d) => durationMs(d.retryDelay) ?? 0),
  ];
  const name = status.status ?? String(status.code ?? 'UNKNOWN');
  const text =
    failureErrors.length > 0
      ? failureErrors
          .map((e) => `${Object.values(e.errorCode ?? {}).join(',')}: ${e.message ?? ''}`)
          .join('; ')
      : (status.message ?? '');
  const where =
    inStreamAfterRows === undefined
      ? ''
      : ` (an error element inside the stream, after ${inStreamAfterRows} rows)`;
  const signals = [...codes, status.status ?? '', String(status.code ?? '')];
  return {
    message: `${name}: ${text}${where}`,
    retryable:
      signals.some((c) => RETRYABLE_CODES.has(c) || RETRYABLE_STATUSES.has(c)) ||
      signals.some((c) => /^(429|5\d\d)$/.test(c)),
    reason: [...new Set([...codes, name])].join(' ') + (where ? ' in the stream' : ''),
    retryDelayMs: Math.max(0, ...delays) || undefined,
    configuration:
      kinds.some((k) => CONFIGURATION_KINDS.has(k)) ||
      CONFIGURATION_STATUSES.has(status.status ?? ''),
  };
}

function describe(error: unknown): Described {
  if (error instanceof GoogleStatusError) return describeStatus(error);
  if (error instanceof UnusableResponseError)
    return {
      message: error.message,
      retryable: error.retryable,
      reason: error.message,
      configuration: false,
    };
  // No answer at all (refused, reset, timeout before the headers).
  if (axios.isAxiosError(error) && !error.response) {
    const message = `network error ${error.code ?? ''}`;
    return { message, retryable: true, reason: message, configuration: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, retryable: false, reason: message, configuration: false };
}

export function classifyGoogleAdsError(error: unknown): RetryDecision {
  if (error instanceof ExtractorError) return { retry: false };
  const info = describe(error);
  if (!info.retryable) return { retry: false };
  return { retry: true, reason: info.reason, waitHintMs: info.retryDelayMs };
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
  return new GoogleAdsApiError(operation, info.message, info.configuration);
}

/** The whole (small) body of an HTTP error answer, at most `limit` bytes. */
async function readSmallBody(body: Readable, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) break;
  }
  body.destroy();
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP error answer as an error: Google's `[{"error": Status}]` (or `{"error": Status}`). */
async function httpError(status: number, body: Readable): Promise<Error> {
  let text: string;
  try {
    text = await readSmallBody(body);
  } catch {
    return new UnusableResponseError(
      `HTTP ${status}, the connection broke in the error body`,
      true,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const element = (Array.isArray(parsed) ? parsed[0] : parsed) as StreamElement | undefined;
  if (element && typeof element === 'object' && element.error && typeof element.error === 'object')
    return new GoogleStatusError({ code: status, ...element.error });
  return new UnusableResponseError(
    `HTTP ${status} with a body that is not Google's JSON error (an HTML error page from a proxy?)`,
    status === 429 || status >= 500,
  );
}

/** `123-456-7890` → `1234567890`, the form the API wants. */
function normaliseCustomerId(id: string): string {
  return id.replace(/-/g, '');
}

export class GoogleAdsClient {
  private readonly url: string;

  constructor(private readonly options: GoogleAdsClientOptions) {
    const customerId = normaliseCustomerId(options.customerId);
    this.url = `${GOOGLE_ADS_HOST}/${GOOGLE_ADS_API_VERSION}/customers/${customerId}/googleAds:searchStream`;
  }

  /**
   * The searchStream answer's body, once Google answered 200; an error answer throws. The
   * request timeout (configureGoogleAdsHttp) is the socket's idle timeout, so it also ends a
   * body that stops arriving ("aborted", ECONNRESET).
   */
  private async post(gaql: string): Promise<Readable> {
    const { developerToken, loginCustomerId, oauth } = this.options;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await accessToken(oauth)}`,
      'developer-token': developerToken,
    };
    if (loginCustomerId) headers['login-customer-id'] = normaliseCustomerId(loginCustomerId);
    try {
      const response = await axios.request<Readable>({
        method: 'POST',
        url: this.url,
        headers,
        data: { query: gaql },
        responseType: 'stream',
      });
      return response.data;
    } catch (error) {
      if (axios.isAxiosError(error) && error.response)
        throw await httpError(error.response.status, error.response.data as Readable);
      throw error;
    }
  }

  /**
   * One searchStream call: each element's results as they are parsed. Ends only after the
   * array's closing bracket; an error element, a cut-off body or a broken connection throws.
   */
  private async *searchStream(gaql: string): AsyncGenerator<GaqlRow[]> {
    const body = await this.post(gaql);
    // Packed values only, no per-chunk tokens: the options the library uses to keep CPU low.
    const parser = new Parser({
      packKeys: true,
      packValues: true,
      streamKeys: false,
      streamValues: false,
    });
    const elements = new StreamArray();
    // The first stage to fail says what went wrong: once one fails, the pipeline destroys the
    // others, and the body then also reports "aborted", whatever the cause was.
    let firstFailure: { stage: 'connection' | 'other'; error: unknown } | undefined;
    const noteFailure = (stage: 'connection' | 'other') => (error: unknown) => {
      firstFailure ??= { stage, error };
    };
    body.once('error', noteFailure('connection'));
    for (const stage of [parser, elements]) stage.once('error', noteFailure('other'));
    // Errors of any stage reach the iterator below; the callback has nothing more to do.
    pipeline(body, parser, elements, () => {});
    let rows = 0;
    try {
      for await (const { value } of elements as AsyncIterable<{ value: unknown }>) {
        if (typeof value !== 'object' || value === null)
          throw new UnusableResponseError('a stream element is not a JSON object', true);
        const element = value as StreamElement;
        if (element.error) throw new GoogleStatusError(element.error, rows);
        // An element without results (an empty query's only element) has no rows.
        if (element.results === undefined) continue;
        if (!Array.isArray(element.results))
          throw new UnusableResponseError('a stream element has results that are not a list', true);
        rows += element.results.length;
        yield element.results as GaqlRow[];
      }
    } catch (error) {
      if (error instanceof GoogleStatusError || error instanceof UnusableResponseError) throw error;
      if (firstFailure?.stage === 'connection') {
        const code = (firstFailure.error as { code?: unknown }).code;
        throw new UnusableResponseError(
          `the connection broke while reading the stream${code ? ` (${String(code)})` : ''}`,
          true,
        );
      }
      throw new UnusableResponseError(
        'response was not complete JSON (HTML error page or a cut-off stream?)',
        true,
      );
    } finally {
      elements.destroy();
      body.destroy();
    }
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
        for await (const results of this.searchStream(gaql)) {
          for (const row of results) {
            rows.push(row);
            if (rows.length >= batchRows) {
              yield { rows, complete: false };
              yielded += rows.length;
              rows = [];
            }
          }
        }
      } catch (error) {
        const decision = classifyGoogleAdsError(error);
        if (!decision.retry) throw toApiError(operation, error);
        const step = nextRetry(retry, { attempt, serverWaitMs: decision.waitHintMs });
        if (!step.retry) {
          const exhausted =
            attempt > 1 ? new RetriesExhaustedError(operation, attempt, error) : error;
          throw toApiError(operation, exhausted);
        }
        const partway = yielded > 0 ? ` after ${yielded} rows; the query is read again` : '';
        onRetry?.({
          operation,
          attempt,
          reason: `${decision.reason}${partway}`,
          waitMs: step.waitMs,
        });
        await sleep(step.waitMs);
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
