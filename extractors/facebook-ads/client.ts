/**
 * Facebook Marketing API client: the official SDK (facebook-nodejs-business-sdk) wrapped with
 * retries, throttling awareness and token-free errors. Nothing else in the source talks to Graph.
 *
 * The SDK keeps one default API object and a static Graph host, so one process serves one access
 * token (one account group) at a time; that is how the CLI runs it.
 */
import sdk from 'facebook-nodejs-business-sdk';
import { axiosOf, configureHost } from '../ad-platforms/axios-hosts.js';
import {
  RetriesExhaustedError,
  type RetryDecision,
  type RetryEvent,
  type RetryPolicy,
  realSleep,
  retrying,
  type Sleep,
} from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { redact } from '../core/redact.js';

const { FacebookAdsApi, AdAccount, AdReportRun } = sdk;
const DEFAULT_GRAPH = 'https://graph.facebook.com';

export interface FacebookClientOptions {
  readonly accessToken: string;
  /** Replaces https://graph.facebook.com (a proxy, or the loopback fake in tests). */
  readonly graphUrl?: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  /** Async report runs: first poll interval (doubles up to 8x) and how many polls before giving up. */
  readonly pollIntervalMs: number;
  readonly maxPolls: number;
  readonly pageSize: number;
  /** Above this usage percentage (any usage header) the client pauses before its next call. */
  readonly usageThresholdPct: number;
  readonly sleep?: Sleep;
  readonly onEvent?: (event: FacebookClientEvent) => void;
}

export type FacebookClientEvent =
  | ({ readonly kind: 'retry' } & RetryEvent)
  | { readonly kind: 'throttle-pause'; readonly usagePct: number; readonly waitMs: number }
  | {
      readonly kind: 'async-job';
      readonly reportRunId: string;
      readonly status: string;
      readonly polls: number;
    };

/** Graph codes that no retry fixes: bad or expired token, missing permission, unknown object. */
const CONFIGURATION_CODES = new Set([10, 100, 102, 190, 200, 294]);

/**
 * An API error with the token and URL removed; `status`/`code` come from Graph's error body.
 * Credential and permission problems exit 2 (fix the config), everything else 1 (retry later).
 */
export class FacebookApiError extends ExtractorError {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly code: number | undefined,
    readonly detail: string,
  ) {
    super(
      redact(
        `${operation}: Graph API error${status ? ` HTTP ${status}` : ''}${code !== undefined ? ` code ${code}` : ''}: ${detail}`,
        500,
      ),
      code !== undefined && CONFIGURATION_CODES.has(code) ? EXIT_USAGE : EXIT_RUNTIME,
    );
  }
}

/** An async report run that ended `Job Failed` / `Job Skipped`, or did not finish in time. */
export class AsyncJobFailedError extends Error {
  constructor(
    readonly reportRunId: string,
    readonly outcome: string,
  ) {
    super(`async report run ${reportRunId} ended: ${outcome}`);
    this.name = 'AsyncJobFailedError';
  }
}

export interface AccountInfo {
  readonly accountId: string;
  readonly name: string;
  readonly currency: string;
  readonly timezone: string;
}

export interface InsightsRequest {
  readonly accountId: string;
  readonly since: string;
  /** Inclusive, as Graph's `time_range.until` is. */
  readonly untilInclusive: string;
  readonly fields: readonly string[];
  readonly breakdowns: readonly string[];
  /** Restricts the job to these campaigns (used when a whole-account job keeps failing). */
  readonly campaignIds?: readonly string[];
}

export type GraphRow = Record<string, unknown>;

/** Graph error codes that mean "too many calls, slow down" (rate limiting docs). */
const THROTTLING_CODES = new Set([
  4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014,
]);
/** 1 = unknown error, 2 = service temporarily unavailable: Graph documents both as transient. */
const TRANSIENT_CODES = new Set([1, 2]);

interface UsageSignal {
  /** Highest usage percentage among all usage headers. */
  readonly usagePct: number;
  /** The longest "time to regain access" any header announced. */
  readonly regainAccessMs: number;
}

function parseJsonHeader(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function numbers(record: unknown, keys: readonly string[]): number[] {
  if (!record || typeof record !== 'object') return [];
  const values: number[] = [];
  for (const key of keys) {
    const value = Number((record as Record<string, unknown>)[key]);
    if (Number.isFinite(value)) values.push(value);
  }
  return values;
}

/**
 * Reads x-app-usage, x-ad-account-usage, x-business-use-case-usage and
 * x-fb-ads-insights-throttle. Percentages are 0–100; `estimated_time_to_regain_access` is in
 * minutes, `reset_time_duration` in seconds.
 */
export function usageFromHeaders(headers: unknown): UsageSignal {
  const get = (name: string): unknown =>
    headers && typeof headers === 'object' ? (headers as Record<string, unknown>)[name] : undefined;
  const pcts: number[] = [];
  let regainAccessMs = 0;
  pcts.push(
    ...numbers(parseJsonHeader(get('x-app-usage')), ['call_count', 'total_cputime', 'total_time']),
  );
  const account = parseJsonHeader(get('x-ad-account-usage'));
  pcts.push(...numbers(account, ['acc_id_util_pct']));
  for (const seconds of numbers(account, ['reset_time_duration'])) {
    regainAccessMs = Math.max(regainAccessMs, seconds * 1000);
  }
  pcts.push(
    ...numbers(parseJsonHeader(get('x-fb-ads-insights-throttle')), [
      'app_id_util_pct',
      'acc_id_util_pct',
    ]),
  );
  const business = parseJsonHeader(get('x-business-use-case-usage'));
  if (business && typeof business === 'object') {
    for (const entries of Object.values(business as Record<string, unknown>)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        pcts.push(...numbers(entry, ['call_count', 'total_cputime', 'total_time']));
        for (const minutes of numbers(entry, ['estimated_time_to_regain_access'])) {
          regainAccessMs = Math.max(regainAccessMs, minutes * 60_000);
        }
      }
    }
  }
  return { usagePct: pcts.length > 0 ? Math.max(...pcts) : 0, regainAccessMs };
}

interface SdkRequestError {
  name: 'FacebookRequestError';
  status?: number | null;
  response?: { code?: number; message?: string; error_subcode?: number } | null;
  headers?: unknown;
}

function isSdkRequestError(error: unknown): error is SdkRequestError {
  return error instanceof Error && error.name === 'FacebookRequestError';
}

/** Decides which failures are worth another try, and how long Graph asked us to wait. */
export function classifyFacebookError(error: unknown): RetryDecision {
  // The SDK JSON-parses every error body; a proxy's HTML error page makes that throw a bare
  // SyntaxError. The request itself was fine, so it is retryable like any 5xx.
  if (error instanceof SyntaxError) {
    return { retry: true, reason: 'non-JSON error response (HTML error page)' };
  }
  if (!isSdkRequestError(error)) return { retry: false };
  const status = error.status ?? undefined;
  const code = error.response?.code;
  const { regainAccessMs } = usageFromHeaders(error.headers);
  const label = `HTTP ${status ?? 'no response'}${code !== undefined ? ` code ${code}` : ''}`;
  if (status === undefined) return { retry: true, reason: `${label} (network)` };
  if (status === 429 || (code !== undefined && THROTTLING_CODES.has(code))) {
    return { retry: true, reason: `${label} (throttled)`, waitHintMs: regainAccessMs || undefined };
  }
  if (status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return { retry: true, reason: label };
  }
  return { retry: false };
}

function toApiError(operation: string, error: unknown): Error {
  if (error instanceof FacebookApiError) return error;
  if (error instanceof RetriesExhaustedError) {
    const last = toApiError(operation, error.cause) as FacebookApiError;
    return new FacebookApiError(
      operation,
      last.status,
      last.code,
      `gave up after ${error.attempts} attempts: ${last.detail}`,
    );
  }
  if (isSdkRequestError(error)) {
    return new FacebookApiError(
      operation,
      error.status ?? undefined,
      error.response?.code,
      error.response?.message ?? 'no response',
    );
  }
  if (error instanceof SyntaxError) {
    return new FacebookApiError(operation, undefined, undefined, 'response was not JSON');
  }
  return new FacebookApiError(
    operation,
    undefined,
    undefined,
    error instanceof Error ? error.message : String(error),
  );
}

const TERMINAL_FAILURES = new Set(['Job Failed', 'Job Skipped']);

const ALL_CAMPAIGN_STATUSES = [
  'ACTIVE',
  'PAUSED',
  'DELETED',
  'ARCHIVED',
  'IN_PROCESS',
  'WITH_ISSUES',
];

export class FacebookAdsClient {
  private readonly sleep: Sleep;
  /** Also the SDK's default API, which its object classes (AdAccount, AdReportRun) use. */
  private readonly api: InstanceType<typeof FacebookAdsApi>;

  constructor(private readonly options: FacebookClientOptions) {
    this.sleep = options.sleep ?? realSleep;
    const graphUrl = options.graphUrl?.replace(/\/+$/, '') ?? DEFAULT_GRAPH;
    // The SDK builds every URL from this static getter; redefining it is the documented way to
    // point the SDK at another host.
    Object.defineProperty(FacebookAdsApi, 'GRAPH', { get: () => graphUrl, configurable: true });
    // The SDK sets no timeout: without one a hung connection would stall the run for good.
    configureHost(axiosOf('facebook-nodejs-business-sdk'), graphUrl, {
      timeoutMs: options.requestTimeoutMs,
    });
    // Third argument false: the SDK's crash reporter would otherwise send our stack traces
    // (and its own request data) to Facebook.
    this.api = FacebookAdsApi.init(options.accessToken, 'en_US', false).setShowHeader(true);
  }

  /** One Graph call with retries, usage-aware pacing and a redacted error. */
  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      const result = await retrying(operation, request, {
        policy: this.options.retry,
        classify: classifyFacebookError,
        sleep: this.sleep,
        onRetry: (event) => this.options.onEvent?.({ kind: 'retry', ...event }),
      });
      await this.paceAfter(headersOf(result));
      return result;
    } catch (error) {
      throw toApiError(operation, error);
    }
  }

  /**
   * Slows down before Graph throttles: above the threshold the pause grows linearly to the
   * maximum backoff at 100 % usage, or follows the platform's own regain-access estimate.
   */
  private async paceAfter(headers: unknown): Promise<void> {
    const { usagePct, regainAccessMs } = usageFromHeaders(headers);
    const threshold = this.options.usageThresholdPct;
    if (usagePct < threshold) return;
    const ramp = threshold >= 100 ? 1 : Math.min(1, (usagePct - threshold) / (100 - threshold));
    const waitMs = Math.min(
      this.options.retry.maxDelayMs,
      Math.max(regainAccessMs, Math.round(ramp * this.options.retry.maxDelayMs)),
    );
    this.options.onEvent?.({ kind: 'throttle-pause', usagePct, waitMs });
    await this.sleep(waitMs);
  }

  async getAccount(accountId: string): Promise<AccountInfo> {
    const account = await this.call(`read account ${accountId}`, () =>
      new AdAccount(accountId).read(['account_id', 'name', 'currency', 'timezone_name']),
    );
    const data = account._data;
    return {
      accountId: String(data.account_id ?? accountId.replace(/^act_/, '')),
      name: String(data.name ?? ''),
      currency: String(data.currency ?? ''),
      timezone: String(data.timezone_name ?? ''),
    };
  }

  /**
   * The objects of an account edge (campaigns, adsets, ads), one page at a time, as plain rows.
   */
  edgePages(
    accountId: string,
    edge: 'campaigns' | 'adsets' | 'ads',
    fields: readonly string[],
  ): AsyncGenerator<GraphRow[]> {
    const params: Record<string, unknown> = {
      fields: fields.join(','),
      limit: this.options.pageSize,
    };
    // Graph leaves deleted and archived campaigns out unless asked; they still have insights
    // for the days they ran, and a per-campaign split must cover them.
    if (edge === 'campaigns') params.effective_status = ALL_CAMPAIGN_STATUSES;
    return this.pages(`list ${edge} of ${accountId}`, [accountId, edge], params);
  }

  /**
   * Reads an edge page by page through the SDK's own request path (`FacebookAdsApi.call`, the
   * call its Cursor makes) but keeps Graph's JSON as it is: the Cursor would build an SDK object
   * per row, with a getter and a setter for each of the class's fields (193 for AdsInsights),
   * which made insights reads allocation-bound and the heap grow to hundreds of MB. Only one
   * page is held at a time.
   */
  private async *pages(
    operation: string,
    path: readonly string[],
    params: Readonly<Record<string, unknown>>,
  ): AsyncGenerator<GraphRow[]> {
    const { api } = this;
    // `call` adds the token to the params object it is given, so each try gets a fresh copy.
    let response = await this.call(operation, () => api.call('GET', [...path], { ...params }));
    for (let page = 1; ; page++) {
      yield pageRows(operation, response);
      const next = pageNext(response);
      if (!next) return;
      // Graph's `paging.next` URL repeats the query and carries the token; our errors and logs
      // only ever show `operation`.
      response = await this.call(`${operation} (page ${page + 1})`, () => api.call('GET', next));
    }
  }

  /**
   * Starts an async insights job and polls it with backoff until Graph says it is complete;
   * returns its report run id. Throws AsyncJobFailedError when the job fails, is skipped or
   * stalls — always before any of its rows have been read.
   */
  async awaitInsightsJob(request: InsightsRequest): Promise<string> {
    const scope = insightsScope(request);
    const params: Record<string, unknown> = {
      level: 'ad',
      time_increment: 1,
      time_range: { since: request.since, until: request.untilInclusive },
      breakdowns: request.breakdowns.length > 0 ? request.breakdowns.join(',') : undefined,
      filtering: request.campaignIds
        ? [{ field: 'campaign.id', operator: 'IN', value: request.campaignIds }]
        : undefined,
      action_breakdowns: 'action_type',
    };
    for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
    const job = await this.call(`start ${scope}`, () =>
      new AdAccount(request.accountId).getInsightsAsync([...request.fields], { ...params }),
    );
    const reportRunId = job.id;
    let interval = this.options.pollIntervalMs;
    for (let polls = 1; ; polls++) {
      const run = await this.call(`poll ${scope}`, () =>
        new AdReportRun(null, { report_run_id: reportRunId }).get([
          'async_status',
          'async_percent_completion',
        ]),
      );
      const status = String(run._data.async_status ?? '');
      this.options.onEvent?.({ kind: 'async-job', reportRunId, status, polls });
      if (status === 'Job Completed') return reportRunId;
      if (TERMINAL_FAILURES.has(status)) throw new AsyncJobFailedError(reportRunId, status);
      if (polls >= this.options.maxPolls) {
        throw new AsyncJobFailedError(reportRunId, `no result after ${polls} polls (${status})`);
      }
      await this.sleep(interval);
      interval = Math.min(interval * 2, this.options.pollIntervalMs * 8);
    }
  }

  /** The rows of a completed report run, one page at a time. */
  insightsPages(reportRunId: string, request: InsightsRequest): AsyncGenerator<GraphRow[]> {
    return this.pages(`read ${insightsScope(request)}`, [reportRunId, 'insights'], {
      limit: this.options.pageSize,
    });
  }
}

function insightsScope(request: InsightsRequest): string {
  const campaigns = request.campaignIds ? ` campaigns ${request.campaignIds.join(',')}` : '';
  return `insights ${request.accountId} ${request.since}..${request.untilInclusive}${campaigns}`;
}

/** The `data` array of an edge page; anything else is an error that names the call. */
function pageRows(operation: string, response: unknown): GraphRow[] {
  const data = (response as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new FacebookApiError(operation, undefined, undefined, 'the page has no `data` array');
  }
  return data as GraphRow[];
}

function pageNext(response: unknown): string | undefined {
  const next = (response as { paging?: { next?: unknown } }).paging?.next;
  return typeof next === 'string' && next !== '' ? next : undefined;
}

function headersOf(result: unknown): unknown {
  if (!result || typeof result !== 'object') return undefined;
  if ('headers' in result && result.headers) return result.headers;
  // SDK objects keep the response (and with setShowHeader, its headers) in `_data`.
  const data = (result as { _data?: { headers?: unknown } })._data;
  return data?.headers;
}
