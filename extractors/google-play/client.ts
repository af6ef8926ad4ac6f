/**
 * The Google Play APIs this source reads, through googleapis' own clients with the service
 * account's JWT: Cloud Storage JSON API (objects.list by prefix, objects.get alt=media) for the
 * bulk report files in the developer's `pubsite_prod_…` bucket, and the Play Developer
 * Reporting API (crash/ANR rate metric sets) for Android vitals. Every call has a timeout and
 * the one retry policy (ad-platforms/gaxios-retry.ts); errors are token-free.
 */
import { createHash } from 'node:crypto';
import {
  playdeveloperreporting,
  type playdeveloperreporting_v1beta1,
} from 'googleapis/build/src/apis/playdeveloperreporting/index.js';
import { storage, type storage_v1 } from 'googleapis/build/src/apis/storage/index.js';
import {
  type GaxiosLikeError,
  gaxiosErrorDetail,
  gaxiosRetries,
  gaxiosRetryConfig,
} from '../ad-platforms/gaxios-retry.js';
import type { RetryEvent, RetryPolicy, Sleep } from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { PlayAuthClient } from './auth.js';

type Reporting = playdeveloperreporting_v1beta1.Playdeveloperreporting;
export type MetricsRow =
  playdeveloperreporting_v1beta1.Schema$GooglePlayDeveloperReportingV1beta1MetricsRow;
type GoogleDate = playdeveloperreporting_v1beta1.Schema$GoogleTypeDateTime;

/** The time zone of DAILY vitals: the Reporting API supports only this one for them. */
export const VITALS_TIMEZONE = 'America/Los_Angeles';

export type MetricSet = 'crashRateMetricSet' | 'anrRateMetricSet';

/** A report file in the bucket. */
export interface StoredObject {
  readonly name: string;
  readonly size: number;
  readonly md5Hash?: string;
  readonly updated?: string;
}

export interface PlayClientOptions {
  readonly auth: PlayAuthClient;
  readonly storageUrl?: string;
  readonly reportingUrl?: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}

/**
 * An API error without tokens or URLs. 400/401/403/404 are configuration problems (exit 2): a
 * wrong bucket or package, a service account without access; the rest may pass on retry.
 */
export class PlayApiError extends ExtractorError {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(
      redact(
        `${operation}: Google Play API error${status ? ` HTTP ${status}` : ''}: ${detail}`,
        600,
      ),
      status !== undefined && [400, 401, 403, 404].includes(status) ? EXIT_USAGE : EXIT_RUNTIME,
    );
  }
}

/** An error body the download asked for as bytes, read back as text or JSON for the message. */
function decodedError(error: GaxiosLikeError): GaxiosLikeError {
  const data = error.response?.data;
  if (!(data instanceof ArrayBuffer) && !Buffer.isBuffer(data)) return error;
  const text = Buffer.from(data as ArrayBuffer).toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: an HTML page or plain text, described as such.
  }
  return { ...error, response: { ...error.response, data: parsed } };
}

function apiError(operation: string, error: unknown): PlayApiError {
  const e = decodedError(error as GaxiosLikeError);
  const retried = gaxiosRetries(e);
  return new PlayApiError(
    operation,
    e.response?.status,
    `${retried > 0 ? `gave up after ${retried + 1} attempts: ` : ''}${gaxiosErrorDetail(e)}`,
  );
}

/** A JSON answer that is not an object (a 200 HTML page from a proxy) is an error too. */
function jsonObject<T>(operation: string, data: unknown): T {
  if (data && typeof data === 'object' && !Buffer.isBuffer(data)) return data as T;
  throw new PlayApiError(operation, undefined, 'response was not JSON (HTML error page?)');
}

/** `{year, month, day}` of a calendar day, in the vitals time zone. */
export function googleDate(day: string): GoogleDate {
  const [year, month, date] = day.split('-').map(Number);
  return { year, month, day: date, timeZone: { id: VITALS_TIMEZONE } };
}

/** `YYYY-MM-DD` of a Google DateTime. */
export function dayOf(date: GoogleDate | undefined): string {
  const pad = (n: number | null | undefined, width: number) => String(n ?? 0).padStart(width, '0');
  return `${pad(date?.year, 4)}-${pad(date?.month, 2)}-${pad(date?.day, 2)}`;
}

export class PlayClient {
  private readonly storage: storage_v1.Storage;
  private readonly reporting: Reporting;

  constructor(private readonly options: PlayClientOptions) {
    const root = (url: string | undefined) => (url ? { rootUrl: url.replace(/\/*$/, '/') } : {});
    this.storage = storage({ version: 'v1', auth: options.auth, ...root(options.storageUrl) });
    this.reporting = playdeveloperreporting({
      version: 'v1beta1',
      auth: options.auth,
      ...root(options.reportingUrl),
    });
  }

  private requestOptions(operation: string) {
    return {
      retryConfig: gaxiosRetryConfig({
        operation,
        policy: this.options.retry,
        sleep: this.options.sleep,
        onRetry: this.options.onRetry,
      }),
      timeout: this.options.requestTimeoutMs,
    };
  }

  /** Every object of the bucket under `prefix`, page by page (names only: small). */
  async listObjects(bucket: string, prefix: string): Promise<StoredObject[]> {
    const operation = `list gs://${bucket}/${prefix}*`;
    const objects: StoredObject[] = [];
    let pageToken: string | undefined;
    do {
      let page: storage_v1.Schema$Objects;
      try {
        const result = await this.storage.objects.list(
          { bucket, prefix, pageToken, fields: 'items(name,size,md5Hash,updated),nextPageToken' },
          this.requestOptions(operation),
        );
        page = jsonObject(operation, result.data);
      } catch (error) {
        throw error instanceof PlayApiError ? error : apiError(operation, error);
      }
      for (const item of page.items ?? []) {
        if (!item.name) continue;
        objects.push({
          name: item.name,
          size: Number(item.size ?? Number.NaN),
          md5Hash: item.md5Hash ?? undefined,
          updated: item.updated ?? undefined,
        });
      }
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return objects;
  }

  /**
   * One file's bytes. A body shorter than the listed size or not matching its MD5 (a cut
   * connection, a proxy's page) is an error, retried like one: never parsed as a short report.
   */
  async download(bucket: string, object: StoredObject): Promise<Buffer> {
    const operation = `download gs://${bucket}/${object.name}`;
    const options = this.requestOptions(operation);
    for (let attempt = 1; ; attempt++) {
      let bytes: Buffer;
      try {
        const result = await this.storage.objects.get(
          { bucket, object: object.name, alt: 'media' },
          { ...options, responseType: 'arraybuffer' },
        );
        bytes = Buffer.from(result.data as unknown as ArrayBuffer);
      } catch (error) {
        throw apiError(operation, error);
      }
      const problem = integrityProblem(object, bytes);
      if (!problem) return bytes;
      if (!(await retryBadBody(options.retryConfig, attempt, problem))) {
        throw new PlayApiError(
          operation,
          undefined,
          `gave up after ${attempt} attempts: ${problem}`,
        );
      }
    }
  }

  /** The last day (exclusive) with DAILY data of a metric set, from its freshness info. */
  async dailyFreshness(packageName: string, set: MetricSet): Promise<string | undefined> {
    const name = `apps/${packageName}/${set}`;
    const operation = `get ${name}`;
    const resource =
      set === 'crashRateMetricSet'
        ? this.reporting.vitals.crashrate
        : this.reporting.vitals.anrrate;
    try {
      const result = await resource.get({ name }, this.requestOptions(operation));
      const data =
        jsonObject<playdeveloperreporting_v1beta1.Schema$GooglePlayDeveloperReportingV1beta1CrashRateMetricSet>(
          operation,
          result.data,
        );
      const daily = data.freshnessInfo?.freshnesses?.find((f) => f.aggregationPeriod === 'DAILY');
      return daily?.latestEndTime ? dayOf(daily.latestEndTime) : undefined;
    } catch (error) {
      throw error instanceof PlayApiError ? error : apiError(operation, error);
    }
  }

  /** The DAILY rows of a metric set for [since, until), page by page (nextPageToken). */
  async *queryDaily(request: {
    readonly packageName: string;
    readonly set: MetricSet;
    readonly metrics: readonly string[];
    readonly since: string;
    readonly until: string;
    readonly pageSize: number;
  }): AsyncGenerator<{ rows: MetricsRow[]; complete: boolean }> {
    const name = `apps/${request.packageName}/${request.set}`;
    const operation = `query ${name} ${request.since}..${request.until}`;
    const resource =
      request.set === 'crashRateMetricSet'
        ? this.reporting.vitals.crashrate
        : this.reporting.vitals.anrrate;
    let pageToken: string | undefined;
    do {
      let page: playdeveloperreporting_v1beta1.Schema$GooglePlayDeveloperReportingV1beta1QueryCrashRateMetricSetResponse;
      try {
        const result = await resource.query(
          {
            name,
            requestBody: {
              timelineSpec: {
                aggregationPeriod: 'DAILY',
                startTime: googleDate(request.since),
                endTime: googleDate(request.until),
              },
              dimensions: [],
              metrics: [...request.metrics],
              pageSize: request.pageSize,
              pageToken,
            },
          },
          this.requestOptions(operation),
        );
        page = jsonObject(operation, result.data);
      } catch (error) {
        throw error instanceof PlayApiError ? error : apiError(operation, error);
      }
      pageToken = page.nextPageToken ?? undefined;
      yield { rows: page.rows ?? [], complete: !pageToken };
    } while (pageToken);
  }
}

/** Why `bytes` are not the listed object, or undefined when they are. */
export function integrityProblem(object: StoredObject, bytes: Buffer): string | undefined {
  if (Number.isFinite(object.size) && bytes.length !== object.size) {
    return `truncated body: ${bytes.length} of ${object.size} bytes`;
  }
  if (object.md5Hash && createHash('md5').update(bytes).digest('base64') !== object.md5Hash) {
    return 'body does not match the MD5 hash Cloud Storage lists for it';
  }
  return undefined;
}

/**
 * gaxios only retries failed requests; a complete-looking but wrong body is retried here, under
 * the same policy and with the same log line. False when the attempts are used up.
 */
async function retryBadBody(
  retryConfig: ReturnType<typeof gaxiosRetryConfig>,
  attempt: number,
  problem: string,
): Promise<boolean> {
  const failed = (retries: number): GaxiosLikeError => ({
    message: problem,
    config: { retryConfig: { currentRetryAttempt: retries } },
  });
  if (!retryConfig.shouldRetry(failed(attempt - 1))) return false;
  await retryConfig.retryBackoff(failed(attempt));
  return true;
}
