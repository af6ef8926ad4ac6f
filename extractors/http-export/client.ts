/**
 * The export API client: GET with the bearer token, JSON only, DRF-style paging
 * (`{"results": [...], "next": url | null}`), retries on what passes (429 honouring Retry-After,
 * 5xx, HTML error pages, bodies cut off, timeouts, network errors) through the one retry policy.
 * Paging links must stay on the backend's origin: the token goes with every request, so a
 * `next` pointing elsewhere is refused, and redirects are not followed. Errors never carry the
 * token or the full URL's host part beyond the backend's own.
 */
import {
  RetriesExhaustedError,
  type RetryEvent,
  type RetryPolicy,
  retrying,
  type Sleep,
} from '../ad-platforms/retry.js';
import { EXIT_RUNTIME, EXIT_USAGE, ExtractorError } from '../core/errors.js';
import { parseRetryAfter } from '../core/retry-delay.js';

export interface ExportClientOptions {
  /** Origin (and optional path prefix) of the backend, without a trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** 400/401/403/404 and answers that break the documented format are exit 2: a retry won't help. */
export class ExportApiError extends ExtractorError {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    detail: string,
    exitCode: number = status !== undefined && [400, 401, 403, 404].includes(status)
      ? EXIT_USAGE
      : EXIT_RUNTIME,
  ) {
    super(`${operation}: export API error${status ? ` HTTP ${status}` : ''}: ${detail}`, exitCode);
  }
}

/** A failure worth another try. */
class Transient extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
    readonly waitHintMs?: number,
  ) {
    super(reason);
  }
}

export type ExportRow = Record<string, unknown>;

export interface Page {
  readonly rows: ExportRow[];
  /** 1-based page number within this read, for locating errors. */
  readonly number: number;
}

const MAX_DETAIL = 200;

/** DRF's `{"detail": "..."}`, else the start of the body. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === 'string') return body.detail.slice(0, MAX_DETAIL);
  } catch {
    // not JSON: fall through
  }
  return /<html|<!doctype/i.test(text) ? 'HTML page' : text.slice(0, MAX_DETAIL);
}

export class ExportClient {
  private readonly origin: string;

  constructor(private readonly options: ExportClientOptions) {
    this.origin = new URL(options.baseUrl).origin;
  }

  /** `path` (from the manifest or a flag) on the backend. */
  url(path: string): URL {
    return new URL(`${this.options.baseUrl}${path}`);
  }

  /** `GET url` → parsed JSON, retried while the failure may pass. */
  async getJson(url: URL): Promise<unknown> {
    const operation = `GET ${url.pathname}${url.search}`;
    try {
      return await retrying(operation, () => this.attempt(url, operation), {
        policy: this.options.retry,
        classify: (error) =>
          error instanceof Transient
            ? { retry: true, reason: error.reason, waitHintMs: error.waitHintMs }
            : { retry: false },
        sleep: this.options.sleep,
        onRetry: this.options.onRetry,
      });
    } catch (error) {
      if (error instanceof RetriesExhaustedError && error.cause instanceof Transient) {
        throw new ExportApiError(
          operation,
          error.cause.status,
          `gave up after ${error.attempts} attempts: ${error.cause.reason}`,
          EXIT_RUNTIME,
        );
      }
      if (error instanceof Transient) {
        throw new ExportApiError(operation, error.status, error.reason, EXIT_RUNTIME);
      }
      throw error;
    }
  }

  private async attempt(url: URL, operation: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new Transient(
        name === 'TimeoutError'
          ? `no answer within ${this.options.requestTimeoutMs} ms`
          : `network error (${(error as { cause?: { code?: string } }).cause?.code ?? name})`,
      );
    }
    const status = response.status;
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new Transient(`HTTP ${status} body cut off before its end`, status);
    }
    if (status === 429 || status >= 500) {
      throw new Transient(
        `HTTP ${status} (${errorDetail(text)})`,
        status,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    if (status >= 300 && status < 400) {
      throw new ExportApiError(
        operation,
        status,
        'redirect not followed (the bearer token would go with it); point --base-url at the final address',
        EXIT_USAGE,
      );
    }
    if (status === 401 || status === 403) {
      throw new ExportApiError(
        operation,
        status,
        `HTTP_EXPORT_TOKEN was refused (${errorDetail(text)})`,
      );
    }
    if (status >= 400) throw new ExportApiError(operation, status, errorDetail(text));
    const type = response.headers.get('content-type') ?? '';
    if (!/\bjson\b/i.test(type)) {
      // A proxy's or load balancer's page in place of the API's answer: usually passes.
      throw new Transient(
        `answer is ${type.split(';')[0] || 'untyped'}, not JSON (${errorDetail(text)})`,
        status,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new Transient(`answer is not complete JSON (${text.length} bytes; cut off?)`, status);
    }
  }

  /**
   * The pages of one dataset as they come: the first asked at `path` with `query`, the next at
   * each answer's `next` until it is null. One page in memory at a time.
   */
  async *pages(path: string, query: Readonly<Record<string, string>>): AsyncGenerator<Page> {
    let url: URL | undefined = this.url(path);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const visited = new Set<string>();
    let number = 0;
    while (url) {
      number += 1;
      visited.add(url.href);
      const body: unknown = await this.getJson(url);
      const where: string = `GET ${url.pathname}${url.search} (page ${number})`;
      const { results, next } = (body ?? {}) as { results?: unknown; next?: unknown };
      if (
        !Array.isArray(results) ||
        !(next === undefined || next === null || typeof next === 'string')
      ) {
        throw new ExportApiError(
          where,
          undefined,
          'answer is not a page {"results": [...], "next": url or null}',
          EXIT_USAGE,
        );
      }
      const bad = results.findIndex(
        (row) => row === null || typeof row !== 'object' || Array.isArray(row),
      );
      if (bad >= 0) {
        throw new ExportApiError(where, undefined, `results[${bad}] is not an object`, EXIT_USAGE);
      }
      yield { rows: results as ExportRow[], number };
      url = next ? this.nextUrl(next, url, where) : undefined;
      if (url && visited.has(url.href)) {
        throw new ExportApiError(
          where,
          undefined,
          '`next` points back to a page already read',
          EXIT_USAGE,
        );
      }
    }
  }

  private nextUrl(next: string, current: URL, where: string): URL {
    let url: URL;
    try {
      url = new URL(next, current);
    } catch {
      throw new ExportApiError(where, undefined, '`next` is not a URL', EXIT_USAGE);
    }
    if (url.origin !== this.origin) {
      throw new ExportApiError(
        where,
        undefined,
        `\`next\` leaves the backend (${url.protocol}//${url.host}); not followed, the bearer token would go with it`,
        EXIT_USAGE,
      );
    }
    return url;
  }
}
