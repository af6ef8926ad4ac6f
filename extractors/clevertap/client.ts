/**
 * CleverTap REST API client: the two-step cursor protocol of Get Events (`/1/events.json`) and
 * Get User Profiles by events (`/1/profiles.json`): a POST with the event name and the day range
 * returns a cursor; GETs with `?cursor=` return pages of `records` and a `next_cursor` until the
 * last page, which has none. Every request carries the account id and passcode headers.
 *
 * Retries go through the one retry policy (ad-platforms/retry.ts → core/retry-delay.ts): 429
 * (with its Retry-After honoured), 5xx, network errors and timeouts, HTML pages and cut-off
 * bodies, and `{"status":"fail"}` bodies whose code says throttled or server error. CleverTap
 * also answers some failures with HTTP 200 and `{"status":"fail","error":…,"code":…}`: those are
 * errors too, never "no records". A cursor that expires mid-read restarts that window's reads
 * from a new cursor (its rows already written are written again under the same keys).
 * Errors carry no header values: the passcode never reaches a message.
 */
import {
  RetriesExhaustedError,
  type RetryEvent,
  type RetryPolicy,
  realSleep,
  retrying,
  type Sleep,
} from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { nextRetry, parseRetryAfter } from '../core/retry-delay.js';

export type RecordKind = 'events' | 'profiles';

/** A record as CleverTap sends it (an event with its profile, or a user profile). */
export type CleverTapRecord = Record<string, unknown>;

export interface CursorQuery {
  readonly eventName: string;
  /** First day, YYYY-MM-DD, in the account's time zone. */
  readonly from: string;
  /** Last day, inclusive (CleverTap's `to` is inclusive). */
  readonly to: string;
}

/** One page of records; `complete` on the window's last page. */
export interface RecordPage {
  readonly records: CleverTapRecord[];
  readonly complete: boolean;
}

export interface CleverTapClientOptions {
  readonly accountId: string;
  readonly passcode: string;
  /** https://<region>.api.clevertap.com, or a proxy / the loopback fake. */
  readonly baseUrl: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** An API error without header values. Bad credentials and bad requests exit 2. */
export class CleverTapApiError extends ExtractorError {
  constructor(
    operation: string,
    detail: string,
    exitCode: number,
    /** CleverTap refused the account id or passcode: every further request would too. */
    readonly credentials = false,
  ) {
    super(redact(`${operation}: CleverTap API error: ${detail}`, 600), exitCode);
  }
}

/** A failure worth another try: throttling, server errors, unusable answers, network errors. */
class TransientError extends Error {
  constructor(
    readonly reason: string,
    readonly waitHintMs?: number,
  ) {
    super(reason);
    this.name = 'TransientError';
  }
}

/** CleverTap no longer knows the cursor of a read: the window starts again. */
class CursorExpiredError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'CursorExpiredError';
  }
}

/** `2024-03-01` → `20240301`, CleverTap's `from`/`to`. */
export function clevertapDay(date: string): number {
  return Number(date.replace(/-/g, ''));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"status":"fail","error":"…","code":…}` → "code 429: Too many requests" (at most 200 chars). */
function failText(body: unknown): string | undefined {
  if (!isObject(body) || body.status !== 'fail') return undefined;
  const error = typeof body.error === 'string' ? body.error : JSON.stringify(body.error ?? '');
  return `status fail${body.code !== undefined ? ` code ${String(body.code)}` : ''}: ${error.slice(0, 200)}`;
}

function failCode(body: Record<string, unknown>): number | undefined {
  const code = Number(body.code);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * What an answer means. `status` is the HTTP status; `code` CleverTap's own in a fail body (a
 * fail body under HTTP 200 is classified by its code the same way).
 */
function failure(options: {
  readonly operation: string;
  readonly status: number;
  readonly body: unknown;
  readonly waitHintMs?: number;
  readonly readingCursor: boolean;
}): Error {
  const { operation, status, body, waitHintMs, readingCursor } = options;
  const text = failText(body);
  const code = isObject(body) ? failCode(body) : undefined;
  const signals = [status, code].filter((n): n is number => n !== undefined && n !== 200);
  const detail =
    body === undefined
      ? `HTTP ${status} with a body that is not CleverTap's JSON (an HTML error page from a proxy?)`
      : `HTTP ${status}${text ? ` ${text}` : ''}`;
  if (signals.some((n) => n === 401 || n === 403)) {
    return new CleverTapApiError(
      operation,
      `${detail} (check the account id, its region and the passcode)`,
      EXIT_USAGE,
      true,
    );
  }
  if (signals.some((n) => n === 429 || n >= 500)) return new TransientError(detail, waitHintMs);
  if (readingCursor && text !== undefined && /cursor/i.test(text))
    return new CursorExpiredError(detail);
  // A request CleverTap refuses for what it asks (an unknown event name, a bad date range).
  return new CleverTapApiError(
    operation,
    detail,
    signals.some((n) => n === 400) ? EXIT_USAGE : EXIT_RUNTIME,
  );
}

function classify(error: unknown) {
  if (error instanceof TransientError)
    return { retry: true as const, reason: error.reason, waitHintMs: error.waitHintMs };
  return { retry: false as const };
}

export class CleverTapClient {
  constructor(private readonly options: CleverTapClientOptions) {}

  /** One request, retried on transient failures; the JSON body of a `success` answer. */
  private async request(
    operation: string,
    path: string,
    query: Record<string, string>,
    body?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const { retry, onRetry } = this.options;
    try {
      return await retrying(operation, () => this.once(operation, path, query, body), {
        policy: retry,
        classify,
        sleep: this.options.sleep,
        onRetry,
      });
    } catch (error) {
      if (error instanceof RetriesExhaustedError) {
        const last = error.cause instanceof Error ? error.cause.message : String(error.cause);
        throw new CleverTapApiError(
          operation,
          `gave up after ${error.attempts} attempts: ${last}`,
          EXIT_RUNTIME,
        );
      }
      if (error instanceof TransientError)
        throw new CleverTapApiError(operation, error.reason, EXIT_RUNTIME);
      throw error;
    }
  }

  private async once(
    operation: string,
    path: string,
    query: Record<string, string>,
    body?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const { accountId, passcode, baseUrl, requestTimeoutMs } = this.options;
    const url = `${baseUrl}${path}?${new URLSearchParams(query).toString()}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          'X-CleverTap-Account-Id': accountId,
          'X-CleverTap-Passcode': passcode,
          'Content-Type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new TransientError(
        name === 'TimeoutError'
          ? `no answer within ${requestTimeoutMs} ms`
          : `network error${code ? ` ${code}` : ''}`,
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new TransientError(`HTTP ${response.status}, the body was cut off`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const readingCursor = 'cursor' in query;
    if (!response.ok || (isObject(parsed) && parsed.status === 'fail')) {
      throw failure({
        operation,
        status: response.status,
        body: parsed,
        waitHintMs: parseRetryAfter(response.headers.get('retry-after')),
        readingCursor,
      });
    }
    if (!isObject(parsed)) {
      throw new TransientError(
        `HTTP ${response.status} with a body that is not JSON (an HTML page from a proxy, or a cut-off body?)`,
      );
    }
    if (parsed.status !== 'success') {
      throw new CleverTapApiError(
        operation,
        `unexpected answer status ${JSON.stringify(parsed.status ?? null).slice(0, 40)}`,
        EXIT_RUNTIME,
      );
    }
    return parsed;
  }

  /**
   * The records of one event name and day range, page by page as CleverTap sends them, so
   * memory holds one page (at most `batchSize` records). The last page is `complete`. An
   * expired cursor reads the window again from a new cursor, bounded by the retry policy.
   */
  async *windowPages(
    kind: RecordKind,
    query: CursorQuery,
    batchSize: number,
  ): AsyncGenerator<RecordPage> {
    const operation = `${kind} ${JSON.stringify(query.eventName)} ${query.from}..${query.to}`;
    const sleep = this.options.sleep ?? realSleep;
    for (let restart = 1; ; restart += 1) {
      try {
        const start = await this.request(
          `${operation} (cursor)`,
          `/1/${kind}.json`,
          { batch_size: String(batchSize) },
          {
            event_name: query.eventName,
            from: clevertapDay(query.from),
            to: clevertapDay(query.to),
          },
        );
        let cursor = typeof start.cursor === 'string' ? start.cursor : '';
        // No cursor: nothing matched the query.
        if (!cursor) {
          yield { records: [], complete: true };
          return;
        }
        for (let page = 1; ; page += 1) {
          const answer = await this.request(`${operation} (page ${page})`, `/1/${kind}.json`, {
            cursor,
          });
          const records = answer.records ?? [];
          if (!Array.isArray(records) || !records.every(isObject)) {
            throw new CleverTapApiError(
              `${operation} (page ${page})`,
              '`records` is not a list of objects',
              EXIT_RUNTIME,
            );
          }
          const next = typeof answer.next_cursor === 'string' ? answer.next_cursor : '';
          yield { records, complete: next === '' };
          if (next === '') return;
          cursor = next;
        }
      } catch (error) {
        if (!(error instanceof CursorExpiredError)) throw error;
        const step = nextRetry(this.options.retry, { attempt: restart });
        if (!step.retry) {
          throw new CleverTapApiError(
            operation,
            `the cursor expired ${restart} times (${error.detail}); gave up`,
            EXIT_RUNTIME,
          );
        }
        this.options.onRetry?.({
          operation,
          attempt: restart,
          reason: `${error.detail}; the window is read again from a new cursor`,
          waitMs: step.waitMs,
        });
        await sleep(step.waitMs);
      }
    }
  }
}
