/**
 * Loopback fake of a backend's analytics export API, as `extract http-export` reads it: a
 * manifest at /internal/analytics/exports/manifest/, datasets paged DRF-style
 * (PageNumberPagination: `?page=N&page_size=M` → `{"count", "next", "previous", "results"}`,
 * `next` an absolute URL), `<field>__gte` filters as django-filter names them, and the bearer
 * token checked on every request (401 `{"detail": ...}` as DRF answers). Rows are served in
 * primary key order, not watermark order. Faults: any FakeResponse (429 with Retry-After, 5xx,
 * HTML pages, truncated bodies) queued per route: `manifest` or `dataset:<name>`.
 */
import { type FakeServer, type Fault, startFakeServer, withFaults } from './http.js';

export const MANIFEST_PATH = '/internal/analytics/exports/manifest/';

export type FakeRow = Record<string, unknown>;

export interface FakeExport extends FakeServer {
  /** The manifest served (any JSON: tests serve malformed ones too). */
  manifest: unknown;
  /** Rows per dataset endpoint path; tests change them between runs. */
  readonly data: Map<string, FakeRow[]>;
  readonly faults: Fault[];
  readonly token: string;
}

/** django-filter's `__gte` on one value: numbers as numbers, date-times as instants. */
function atLeast(value: unknown, bound: string): boolean {
  if (typeof value === 'number') return value >= Number(bound);
  if (typeof value !== 'string') return false;
  const [a, b] = [Date.parse(value), Date.parse(bound)];
  if (!Number.isNaN(a) && !Number.isNaN(b)) {
    // Microseconds beyond Date's milliseconds: compare the fraction text when the ms tie.
    if (a !== b) return a > b;
    const micros = (text: string) => (/\.(\d+)/.exec(text)?.[1] ?? '').padEnd(6, '0');
    return micros(value) >= micros(bound);
  }
  return value >= bound;
}

export async function startFakeExport(options: {
  token: string;
  manifest: unknown;
  data: Record<string, FakeRow[]>;
}): Promise<FakeExport> {
  const faults: Fault[] = [];
  const data = new Map(Object.entries(options.data));
  // Filled in once the server listens; the handler reads the manifest tests set on it.
  const fake = { manifest: options.manifest } as FakeExport;
  const server = await startFakeServer((request) => {
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return { status: 401, body: { detail: 'Invalid token.' } };
    }
    if (request.path === MANIFEST_PATH) {
      return withFaults(faults, 'manifest', '', () => ({ status: 200, body: fake.manifest }));
    }
    const rows = data.get(request.path);
    if (!rows) return { status: 404, body: { detail: 'Not found.' } };
    const name = request.path.split('/').filter(Boolean).at(-1) ?? '';
    return withFaults(faults, `dataset:${name}`, '', () => {
      const size = Number(request.query.get('page_size') ?? '100');
      const page = Number(request.query.get('page') ?? '1');
      let matching = rows;
      for (const [param, bound] of request.query) {
        const field = /^(.+)__gte$/.exec(param)?.[1];
        if (field) matching = matching.filter((row) => atLeast(row[field], bound));
      }
      const results = matching.slice((page - 1) * size, page * size);
      const link = (n: number) => {
        const url = new URL(`${server.url}${request.path}`);
        for (const [param, value] of request.query) url.searchParams.set(param, value);
        url.searchParams.set('page', String(n));
        return url.href;
      };
      return {
        status: 200,
        body: {
          count: matching.length,
          next: page * size < matching.length ? link(page + 1) : null,
          previous: page > 1 ? link(page - 1) : null,
          results,
        },
      };
    });
  });
  return Object.assign(fake, server, { data, faults, token: options.token });
}
