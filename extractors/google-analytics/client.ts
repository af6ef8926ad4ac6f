/**
 * GA4 Data API client: `properties.runReport` from @googleapis/analyticsdata with offset
 * pagination, property quota awareness and retries of POST requests, which googleapis does not
 * retry by default (its retry config only covers idempotent verbs). Errors are token-free.
 */
import { analyticsdata, type analyticsdata_v1beta } from '@googleapis/analyticsdata';
import {
  type GaxiosLikeError,
  gaxiosErrorDetail,
  gaxiosRetryConfig,
} from '../ad-platforms/gaxios-retry.js';
import type { GoogleOAuthClient } from '../ad-platforms/google-oauth.js';
import type { RetryEvent, RetryPolicy, Sleep } from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { redact } from '../core/redact.js';

type RunReportResponse = analyticsdata_v1beta.Schema$RunReportResponse;
type QuotaStatus = analyticsdata_v1beta.Schema$QuotaStatus;

export interface ReportRequest {
  readonly propertyId: string;
  readonly since: string;
  readonly untilInclusive: string;
  readonly dimensions: readonly string[];
  readonly metrics: readonly string[];
  /** Reads only the first page of this size (a probe) instead of every row. */
  readonly limit?: number;
}

export interface ReportRow {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, string>>;
}

/** One runReport page: its rows, with the property's currency and time zone. */
export interface ReportPage {
  readonly rows: ReportRow[];
  readonly currency: string;
  readonly timezone: string;
  /** True on the report's last page: every row of the report has been read. */
  readonly complete: boolean;
}

export type AnalyticsClientEvent =
  | ({ readonly kind: 'retry' } & RetryEvent)
  | {
      readonly kind: 'quota';
      readonly quota: Readonly<Record<string, QuotaStatus>>;
      readonly lowest: number;
    };

export interface AnalyticsClientOptions {
  readonly oauth: GoogleOAuthClient;
  /** Replaces https://analyticsdata.googleapis.com/ (a proxy, or the loopback fake in tests). */
  readonly rootUrl?: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly pageSize: number;
  /** Below this share (0–100) of any hourly/daily token quota left, the run stops the account. */
  readonly quotaReservePct: number;
  readonly sleep?: Sleep;
  readonly onEvent?: (event: AnalyticsClientEvent) => void;
}

/** An API error without tokens or URLs. 401/403/400 are configuration problems (exit 2). */
export class AnalyticsApiError extends ExtractorError {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(
      redact(`${operation}: GA4 Data API error${status ? ` HTTP ${status}` : ''}: ${detail}`, 600),
      status !== undefined && [400, 401, 403, 404].includes(status) ? EXIT_USAGE : EXIT_RUNTIME,
    );
  }
}

/** `20240301` (GA4's date dimension) → `2024-03-01`. */
export function gaDate(value: string): string {
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
}

const TOKEN_QUOTAS = ['tokensPerDay', 'tokensPerHour', 'tokensPerProjectPerHour'] as const;

/** The smallest share (%) left among the token quotas GA4 reported, or 100 without any. */
export function lowestQuotaPct(
  quota: analyticsdata_v1beta.Schema$PropertyQuota | undefined,
): number {
  let lowest = 100;
  for (const name of TOKEN_QUOTAS) {
    const status = quota?.[name];
    const consumed = status?.consumed ?? 0;
    const remaining = status?.remaining;
    if (remaining === undefined || remaining === null) continue;
    const total = consumed + remaining;
    if (total > 0) lowest = Math.min(lowest, (remaining / total) * 100);
  }
  return lowest;
}

export class AnalyticsClient {
  private readonly api: analyticsdata_v1beta.Analyticsdata;
  /** Share of the tightest token quota left after the last answer. */
  private quotaLeftPct = 100;

  constructor(private readonly options: AnalyticsClientOptions) {
    this.api = analyticsdata({
      version: 'v1beta',
      auth: options.oauth,
      ...(options.rootUrl ? { rootUrl: options.rootUrl.replace(/\/*$/, '/') } : {}),
    });
  }

  /** gaxios' retry (which skips POST by default; runReport is a read) with the one delay policy
   *  and our logging: ad-platforms/gaxios-retry.ts. */
  private retryConfig(operation: string) {
    return gaxiosRetryConfig({
      operation,
      policy: this.options.retry,
      sleep: this.options.sleep,
      onRetry: (event) => this.options.onEvent?.({ kind: 'retry', ...event }),
    });
  }

  /**
   * The pages of one report as they come (offset/limit), so memory holds one page however many
   * rows the report has. A request with `limit` reads only its first page.
   */
  async *reportPages(request: ReportRequest): AsyncGenerator<ReportPage> {
    const operation = `runReport property ${request.propertyId} ${request.since}..${request.untilInclusive}`;
    let offset = 0;
    for (;;) {
      this.ensureQuotaLeft(operation);
      let response: RunReportResponse;
      try {
        const result = await this.api.properties.runReport(
          {
            property: `properties/${request.propertyId}`,
            requestBody: {
              dateRanges: [{ startDate: request.since, endDate: request.untilInclusive }],
              dimensions: request.dimensions.map((name) => ({ name })),
              metrics: request.metrics.map((name) => ({ name })),
              limit: String(request.limit ?? this.options.pageSize),
              offset: String(offset),
              keepEmptyRows: false,
              returnPropertyQuota: true,
            },
          },
          { retryConfig: this.retryConfig(operation), timeout: this.options.requestTimeoutMs },
        );
        response = result.data;
      } catch (error) {
        const e = error as GaxiosLikeError;
        const retried = e.config?.retryConfig?.currentRetryAttempt ?? 0;
        throw new AnalyticsApiError(
          operation,
          e.response?.status,
          `${retried > 0 ? `gave up after ${retried + 1} attempts: ` : ''}${gaxiosErrorDetail(e)}`,
        );
      }
      if (response.propertyQuota) {
        this.quotaLeftPct = lowestQuotaPct(response.propertyQuota);
        this.options.onEvent?.({
          kind: 'quota',
          quota: response.propertyQuota as Record<string, QuotaStatus>,
          lowest: this.quotaLeftPct,
        });
      }
      const dimensionNames = (response.dimensionHeaders ?? []).map((h) => h.name ?? '');
      const metricNames = (response.metricHeaders ?? []).map((h) => h.name ?? '');
      const rows = (response.rows ?? []).map((row) => ({
        dimensions: Object.fromEntries(
          dimensionNames.map((n, i) => [n, row.dimensionValues?.[i]?.value ?? '']),
        ),
        metrics: Object.fromEntries(
          metricNames.map((n, i) => [n, row.metricValues?.[i]?.value ?? '0']),
        ),
      }));
      offset += rows.length;
      const complete =
        request.limit !== undefined || rows.length === 0 || offset >= (response.rowCount ?? 0);
      yield {
        rows,
        currency: response.metadata?.currencyCode ?? '',
        timezone: response.metadata?.timeZone ?? '',
        complete,
      };
      if (complete) return;
    }
  }

  /**
   * GA4 answers requests past an exhausted quota with 429 until the hour or day rolls over, so
   * once an answer shows the quota nearly used up, the next request stops the property instead;
   * what was read before is written and the state kept.
   */
  private ensureQuotaLeft(operation: string): void {
    if (this.quotaLeftPct >= this.options.quotaReservePct) return;
    throw new AnalyticsApiError(
      operation,
      undefined,
      `property token quota nearly exhausted (${this.quotaLeftPct.toFixed(1)}% left, reserve ${this.options.quotaReservePct}%); stopping this property until the quota resets`,
    );
  }
}
