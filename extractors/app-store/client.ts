/**
 * App Store Connect API client: every request carries the ES256 bearer token (token.ts), has a
 * timeout and goes through the one retry policy (ad-platforms/retry.ts → core/retry-delay.ts),
 * retrying what Apple says may pass: 429 (waiting its Retry-After when given; its X-Rate-Limit
 * header is logged), 5xx, HTML error pages of a proxy, network errors, timeouts and bodies cut
 * short — a gzip report is checked completely (and against Apple's checksum where it gives one)
 * before anything of it is parsed, so a truncated file is fetched again instead of half-loaded.
 * Errors carry Apple's error code and detail, never the token or a signed download URL.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  type RetryDecision,
  type RetryEvent,
  type RetryPolicy,
  retrying,
  type Sleep,
} from '../ad-platforms/retry.js';
import { ConfigError, RuntimeFailure } from '../core/errors.js';
import { parseRetryAfter } from '../core/retry-delay.js';
import type { TokenSource } from './token.js';

export const APPLE_API_URL = 'https://api.appstoreconnect.apple.com';

/** A JSON:API resource as App Store Connect returns it. */
export interface Resource {
  readonly type: string;
  readonly id: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

interface Document {
  readonly data?: Resource | Resource[];
  readonly links?: { readonly next?: string };
}

export interface AppStoreClientOptions {
  readonly tokens: TokenSource;
  /** Replaces https://api.appstoreconnect.apple.com (a proxy, or the loopback fake in tests). */
  readonly baseUrl?: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly sleep?: Sleep;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** A non-2xx answer, with what Apple said about it. */
export class AppleHttpError extends Error {
  constructor(
    readonly status: number,
    /** Apple's `errors[0]` code and detail, or a description of a non-JSON body. */
    readonly detail: string,
    readonly html: boolean,
    readonly retryAfterMs: number | undefined,
    readonly rateLimit: string | undefined,
  ) {
    super(`HTTP ${status} ${detail}`);
    this.name = 'AppleHttpError';
  }
}

/** A body that arrived but cannot be used as it is (cut short, corrupt, an HTML page): retry. */
class BadBodyError extends Error {}

function classify(error: unknown): RetryDecision {
  if (error instanceof AppleHttpError) {
    if (error.status === 429) {
      const limit = error.rateLimit ? ` (X-Rate-Limit ${error.rateLimit})` : '';
      return {
        retry: true,
        reason: `HTTP 429 rate limited${limit}`,
        waitHintMs: error.retryAfterMs,
      };
    }
    if (error.status >= 500) {
      return { retry: true, reason: `HTTP ${error.status} ${error.detail}` };
    }
    return { retry: false };
  }
  if (error instanceof BadBodyError) return { retry: true, reason: error.message };
  if (error instanceof ConfigError) return { retry: false };
  // fetch's own failures: a refused or reset connection, our timeout, a body cut short.
  const e = error as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return { retry: true, reason: 'request timed out' };
  }
  if (e.name === 'TypeError' || e.cause?.code) {
    return { retry: true, reason: `network error ${e.cause?.code ?? ''}`.trim() };
  }
  return { retry: false };
}

async function errorFrom(response: Response): Promise<AppleHttpError> {
  const type = response.headers.get('content-type') ?? '';
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The error body itself was cut short: the status says enough.
  }
  let detail = 'response was not JSON';
  const html = type.includes('html') || /^\s*</.test(text);
  if (html) detail = 'HTML error page (a proxy or Apple front end)';
  else {
    try {
      const body = JSON.parse(text) as {
        errors?: { code?: string; title?: string; detail?: string }[];
      };
      const first = body.errors?.[0];
      if (first) detail = `${first.code ?? ''}: ${first.detail ?? first.title ?? ''}`.trim();
    } catch {
      // Not JSON: keep the generic description; the body itself may echo anything.
    }
  }
  return new AppleHttpError(
    response.status,
    detail,
    html,
    parseRetryAfter(response.headers.get('retry-after')),
    response.headers.get('x-rate-limit') ?? undefined,
  );
}

/** Reads all of a gzip file through gunzip without keeping its output: throws if it is cut short. */
async function checkGzip(bytes: Buffer): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(Readable.from([bytes]), createGunzip(), sink);
  } catch (error) {
    throw new BadBodyError(
      `truncated or corrupt gzip body (${bytes.length} bytes: ${(error as Error).message})`,
    );
  }
}

export class AppStoreClient {
  private readonly baseUrl: string;

  constructor(private readonly options: AppStoreClientOptions) {
    this.baseUrl = (options.baseUrl ?? APPLE_API_URL).replace(/\/+$/, '');
  }

  /** `path` under the base URL; Apple's own absolute `links.next` are moved there too. */
  private url(pathOrUrl: string): string {
    if (pathOrUrl.startsWith(APPLE_API_URL))
      return this.baseUrl + pathOrUrl.slice(APPLE_API_URL.length);
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    return this.baseUrl + pathOrUrl;
  }

  /**
   * One request, retried as a whole (answer and body): `read` turns a 2xx answer into the
   * result; `acceptNotFound` makes a 404 an answer (`undefined`) instead of an error.
   */
  private async request<T>(
    operation: string,
    url: string,
    init: { method?: string; body?: string; accept: string; auth: boolean },
    read: (response: Response) => Promise<T>,
    acceptNotFound = false,
  ): Promise<T | undefined> {
    const attempt = async (): Promise<T | undefined> => {
      const headers: Record<string, string> = { accept: init.accept };
      if (init.auth) headers.authorization = `Bearer ${await this.options.tokens.bearer()}`;
      if (init.body) headers['content-type'] = 'application/json';
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers,
        body: init.body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      if (response.status === 404 && acceptNotFound) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) throw await errorFrom(response);
      return read(response);
    };
    try {
      return await retrying(operation, attempt, {
        policy: this.options.retry,
        classify,
        sleep: this.options.sleep,
        onRetry: this.options.onRetry,
      });
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  /** The error a stream fails with: 401/403/4xx are configuration (exit 2), the rest exit 1. */
  private failure(operation: string, error: unknown): Error {
    const cause = (error as { cause?: unknown }).cause;
    const last = error instanceof Error && error.name === 'RetriesExhaustedError' ? cause : error;
    const gaveUp =
      last !== error ? `gave up after ${(error as { attempts?: number }).attempts} attempts: ` : '';
    if (last instanceof AppleHttpError) {
      if (last.status === 401) {
        this.options.tokens.reset();
        return new ConfigError(
          `${operation}: App Store Connect rejected the token (HTTP 401 ${last.detail}); check the group's issuer_id, key_id and private_key`,
        );
      }
      if (last.status < 500 && last.status !== 429) {
        const hint =
          last.status === 403 ? ' (does the API key have the Sales/Finance or Admin role?)' : '';
        return new ConfigError(`${operation}: HTTP ${last.status} ${last.detail}${hint}`);
      }
      return new RuntimeFailure(`${operation}: ${gaveUp}HTTP ${last.status} ${last.detail}`);
    }
    if (last instanceof ConfigError) return last;
    const reason = classify(last);
    const message = reason.retry ? reason.reason : ((last as Error)?.message ?? String(last));
    return new RuntimeFailure(`${operation}: ${gaveUp}${message}`);
  }

  private readJson = async (response: Response): Promise<Document> => {
    const text = await response.text();
    try {
      return JSON.parse(text) as Document;
    } catch {
      throw new BadBodyError(
        /^\s*</.test(text) ? 'HTML page instead of JSON' : 'response was not complete JSON',
      );
    }
  };

  /** Every resource of a collection, page by page (`links.next`), one page in memory. */
  async *pages(operation: string, path: string): AsyncGenerator<Resource[]> {
    let next: string | undefined = path;
    while (next) {
      const document: Document | undefined = await this.request(
        operation,
        this.url(next),
        { accept: 'application/json', auth: true },
        this.readJson,
      );
      const data = document?.data;
      yield Array.isArray(data) ? data : data ? [data] : [];
      next = document?.links?.next;
    }
  }

  async create(operation: string, path: string, body: unknown): Promise<Resource> {
    const document = await this.request(
      operation,
      this.url(path),
      { method: 'POST', body: JSON.stringify(body), accept: 'application/json', auth: true },
      this.readJson,
    );
    const data = document?.data;
    if (!data || Array.isArray(data))
      throw new RuntimeFailure(`${operation}: no resource in the answer`);
    return data;
  }

  /**
   * A Sales and Trends report's gzip bytes (checked whole), or `undefined` when Apple answers
   * 404: no report for that day (not yet published, or no sales).
   */
  salesReport(
    operation: string,
    query: Readonly<Record<string, string>>,
  ): Promise<Buffer | undefined> {
    const params = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return this.request(
      operation,
      this.url(`/v1/salesReports?${params}`),
      { accept: 'application/a-gzip', auth: true },
      async (response) => {
        const bytes = Buffer.from(await response.arrayBuffer());
        await checkGzip(bytes);
        return bytes;
      },
      true,
    );
  }

  /**
   * An analytics segment's gzip file from its pre-signed URL. No bearer token: the URL is
   * another host's and signed itself (and never logged: its query string is the signature).
   */
  async segment(operation: string, url: string, checksum: string | undefined): Promise<Buffer> {
    const bytes = await this.request(
      operation,
      url,
      { accept: '*/*', auth: false },
      async (response) => {
        const data = Buffer.from(await response.arrayBuffer());
        if (checksum && /^[0-9a-f]{32}$/i.test(checksum)) {
          const md5 = createHash('md5').update(data).digest('hex');
          if (md5 !== checksum.toLowerCase()) {
            throw new BadBodyError(`segment checksum mismatch (${data.length} bytes, MD5 ${md5})`);
          }
        }
        await checkGzip(data);
        return data;
      },
    );
    return bytes as Buffer;
  }
}
