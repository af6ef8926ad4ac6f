/**
 * A loopback fake of the App Store Connect API. Every API request must carry a bearer JWT that
 * verifies against the test key's public key: ES256, header kid = the key id, iss = the issuer
 * id, aud appstoreconnect-v1, exp in the future and at most 20 minutes after iat — otherwise
 * Apple's 401 NOT_AUTHORIZED errors document. Answers in Apple's wire format:
 * - GET /v1/salesReports: a gzip'd TSV with Apple's header row (application/a-gzip), or 404
 *   NOT_FOUND "There were no sales for the date specified." for a day it has no report for;
 * - the Analytics Reports collections as JSON:API documents paged by links.next (one resource
 *   per page, so paging is always exercised): report requests of an app (POST creates one),
 *   reports by filter[name], instances by filter[granularity]/filter[processingDate], segments
 *   with a pre-signed url and MD5 checksum; the url serves the gzip TSV and refuses a bearer token.
 * Every answer has Apple's X-Rate-Limit header. Faults are queued per route (see http.ts):
 * `salesReports`, `requests`, `reports`, `instances`, `segments`, `download`, with the vendor
 * number or app id as the route's id.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import {
  type FakeRequest,
  type FakeResponse,
  type FakeServer,
  type Fault,
  startFakeServer,
  withFaults,
} from './http.js';

export type TsvRow = Readonly<Record<string, string>>;

/** Apple's Sales and Trends SALES/SUMMARY/DAILY header, in its order. */
export const SALES_HEADER = [
  'Provider',
  'Provider Country',
  'SKU',
  'Developer',
  'Title',
  'Version',
  'Product Type Identifier',
  'Units',
  'Developer Proceeds',
  'Begin Date',
  'End Date',
  'Customer Currency',
  'Country Code',
  'Currency of Proceeds',
  'Apple Identifier',
  'Customer Price',
  'Promo Code',
  'Parent Identifier',
  'Subscription',
  'Period',
  'Category',
  'CMB',
  'Device',
  'Supported Platforms',
  'Proceeds Reason',
  'Preserved Pricing',
  'Client',
  'Order Type',
] as const;

export interface FakeApp {
  readonly id: string;
  /** Whether the app already has an ONGOING report request. */
  hasRequest: boolean;
  readonly reports: readonly { readonly name: string; readonly category: string }[];
  /** report name → processing day → the rows of each segment file. */
  readonly instances: Readonly<Record<string, Readonly<Record<string, readonly TsvRow[][]>>>>;
}

export interface FakeAppStoreOptions {
  readonly issuerId: string;
  readonly keyId: string;
  readonly publicKey: Parameters<typeof jwtVerify>[1];
  /** vendor number → day → rows (in SALES_HEADER columns); a missing day answers 404. */
  readonly sales: Readonly<Record<string, Readonly<Record<string, readonly TsvRow[]>>>>;
  readonly apps: FakeApp[];
}

export interface FakeAppStore extends FakeServer {
  readonly faults: Fault[];
  /** Sales report days asked, as `vendor day`. */
  readonly salesAsked: string[];
  /** Every JWT the fake accepted. */
  readonly tokens: Set<string>;
}

export const appleError = (status: number, code: string, title: string, detail: string) => ({
  status,
  body: { errors: [{ id: `fake-${status}-${code}`, status: String(status), code, title, detail }] },
});

export const NOT_AUTHORIZED = appleError(
  401,
  'NOT_AUTHORIZED',
  'Authentication credentials are missing or invalid.',
  'Provide a properly configured and signed bearer token, and make sure that it has not expired.',
);

export const NO_SALES = appleError(
  404,
  'NOT_FOUND',
  'The specified resource does not exist',
  'There were no sales for the date specified.',
);

export const RATE_LIMITED: FakeResponse = {
  ...appleError(
    429,
    'RATE_LIMIT_EXCEEDED',
    'The request rate limit has been reached.',
    'We’ve received too many requests for this API. Please wait and try again or slow down your request rate.',
  ),
  headers: { 'x-rate-limit': 'user-hour-lim:3600;user-hour-rem:0;', 'retry-after': '0' },
};

/** A TSV file as Apple writes it: header row, tab-separated, no quoting, newline-terminated. */
export function tsv(header: readonly string[], rows: readonly TsvRow[]): string {
  return [
    header.join('\t'),
    ...rows.map((row) => header.map((h) => row[h] ?? '').join('\t')),
    '',
  ].join('\n');
}

export async function startFakeAppStore(options: FakeAppStoreOptions): Promise<FakeAppStore> {
  const faults: Fault[] = [];
  const salesAsked: string[] = [];
  const tokens = new Set<string>();
  /** Segment files by id: their gzip bytes. */
  const files = new Map<string, Buffer>();
  let url = '';

  async function authorized(request: FakeRequest): Promise<boolean> {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token) return false;
    try {
      const { kid, typ, alg } = decodeProtectedHeader(token);
      if (kid !== options.keyId || typ !== 'JWT' || alg !== 'ES256') return false;
      const { payload } = await jwtVerify(token, options.publicKey, {
        algorithms: ['ES256'],
        audience: 'appstoreconnect-v1',
        issuer: options.issuerId,
        requiredClaims: ['exp', 'iat'],
      });
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 20 * 60) return false;
      tokens.add(token);
      return true;
    } catch {
      return false;
    }
  }

  /** A JSON:API page of one resource, `links.next` to the following one. */
  function page(path: string, query: URLSearchParams, resources: object[]): FakeResponse {
    const offset = Number(query.get('cursor') ?? 0);
    const next = new URLSearchParams(query);
    next.set('cursor', String(offset + 1));
    return {
      status: 200,
      body: {
        data: resources.slice(offset, offset + 1),
        links: {
          self: `${url}${path}?${query}`,
          ...(offset + 1 < resources.length ? { next: `${url}${path}?${next}` } : {}),
        },
        meta: { paging: { total: resources.length, limit: 1 } },
      },
    };
  }

  function sales(query: URLSearchParams): FakeResponse {
    const expected = {
      frequency: 'DAILY',
      reportType: 'SALES',
      reportSubType: 'SUMMARY',
      version: '1_0',
    };
    for (const [name, value] of Object.entries(expected)) {
      if (query.get(`filter[${name}]`) !== value) {
        return appleError(
          400,
          'PARAMETER_ERROR.INVALID',
          'A parameter has an invalid value',
          `filter[${name}] must be ${value}`,
        );
      }
    }
    const vendor = query.get('filter[vendorNumber]') ?? '';
    const day = query.get('filter[reportDate]') ?? '';
    salesAsked.push(`${vendor} ${day}`);
    const days = options.sales[vendor];
    if (!days) {
      return appleError(
        403,
        'FORBIDDEN_ERROR',
        'This request is forbidden for security reasons',
        `You are not authorized to view reports for vendor ${vendor}.`,
      );
    }
    const rows = days[day];
    if (!rows) return NO_SALES;
    return {
      status: 200,
      body: undefined,
      bytes: gzipSync(Buffer.from(tsv(SALES_HEADER, rows))),
      contentType: 'application/a-gzip',
    };
  }

  function analytics(
    request: FakeRequest,
  ): { route: string; id: string; answer: () => FakeResponse } | undefined {
    const { path, query } = request;
    let m = /^\/v1\/apps\/(\d+)\/analyticsReportRequests$/.exec(path);
    if (m) {
      const app = options.apps.find((a) => a.id === m?.[1]);
      return {
        route: 'requests',
        id: m[1] ?? '',
        answer: () =>
          app
            ? page(
                path,
                query,
                app.hasRequest
                  ? [
                      {
                        type: 'analyticsReportRequests',
                        id: `req-${app.id}`,
                        attributes: { accessType: 'ONGOING', stoppedDueToInactivity: false },
                      },
                    ]
                  : [],
              )
            : appleError(
                404,
                'NOT_FOUND',
                'The specified resource does not exist',
                `There is no resource of type 'apps' with id '${m?.[1]}'`,
              ),
      };
    }
    if (path === '/v1/analyticsReportRequests' && request.method === 'POST') {
      const body = request.body as {
        data?: {
          relationships?: { app?: { data?: { id?: string } } };
          attributes?: { accessType?: string };
        };
      };
      const app = options.apps.find((a) => a.id === body.data?.relationships?.app?.data?.id);
      return {
        route: 'requests',
        id: app?.id ?? '',
        answer: () => {
          if (!app || body.data?.attributes?.accessType !== 'ONGOING') {
            return appleError(
              409,
              'ENTITY_ERROR',
              'The provided entity is invalid',
              'accessType and app are required',
            );
          }
          app.hasRequest = true;
          return {
            status: 201,
            body: {
              data: {
                type: 'analyticsReportRequests',
                id: `req-${app.id}`,
                attributes: { accessType: 'ONGOING', stoppedDueToInactivity: false },
              },
              links: { self: `${url}/v1/analyticsReportRequests/req-${app.id}` },
            },
          };
        },
      };
    }
    m = /^\/v1\/analyticsReportRequests\/req-(\d+)\/reports$/.exec(path);
    if (m) {
      const app = options.apps.find((a) => a.id === m?.[1] && a.hasRequest);
      const name = query.get('filter[name]');
      return {
        route: 'reports',
        id: m[1] ?? '',
        answer: () =>
          page(
            path,
            query,
            (app?.reports ?? [])
              .filter((r) => !name || r.name === name)
              .map((r) => ({
                type: 'analyticsReports',
                id: `rep-${app?.id}-${encodeURIComponent(r.name)}`,
                attributes: { name: r.name, category: r.category },
              })),
          ),
      };
    }
    m = /^\/v1\/analyticsReports\/rep-(\d+)-(.+)\/instances$/.exec(path);
    if (m) {
      const app = options.apps.find((a) => a.id === m?.[1]);
      const name = decodeURIComponent(m[2] ?? '');
      const day = query.get('filter[processingDate]');
      const granularity = query.get('filter[granularity]');
      return {
        route: 'instances',
        id: m[1] ?? '',
        answer: () => {
          const days = Object.keys(app?.instances[name] ?? {}).filter(
            (d) => (!day || d === day) && granularity === 'DAILY',
          );
          return page(
            path,
            query,
            days.map((d) => ({
              type: 'analyticsReportInstances',
              id: `inst-${app?.id}-${m?.[2]}-${d}`,
              attributes: { granularity: 'DAILY', processingDate: d },
            })),
          );
        },
      };
    }
    m = /^\/v1\/analyticsReportInstances\/inst-(\d+)-(.+)-(\d{4}-\d{2}-\d{2})\/segments$/.exec(
      path,
    );
    if (m) {
      const app = options.apps.find((a) => a.id === m?.[1]);
      const name = decodeURIComponent(m[2] ?? '');
      const files0 = app?.instances[name]?.[m[3] ?? ''] ?? [];
      return {
        route: 'segments',
        id: m[1] ?? '',
        answer: () =>
          page(
            path,
            query,
            files0.map((rows, i) => {
              const id = `seg-${m?.[1]}-${m?.[2]}-${m?.[3]}-${i}`;
              const header = Object.keys(rows[0] ?? { Date: '' });
              const bytes = gzipSync(Buffer.from(tsv(header, rows)));
              files.set(id, bytes);
              return {
                type: 'analyticsReportSegments',
                id,
                attributes: {
                  checksum: createHash('md5').update(bytes).digest('hex'),
                  sizeInBytes: bytes.length,
                  url: `${url}/segment-files/${id}?X-Amz-Signature=fakeSignature0123456789`,
                },
              };
            }),
          ),
      };
    }
    return undefined;
  }

  const server = await startFakeServer(async (request) => {
    const limit = { 'x-rate-limit': 'user-hour-lim:3600;user-hour-rem:3599;' };
    const withLimit = (response: FakeResponse): FakeResponse => ({
      ...response,
      headers: { ...limit, ...response.headers },
    });
    const file = /^\/segment-files\/(seg-(\d+)-.+)$/.exec(request.path);
    if (file) {
      return withFaults(faults, 'download', file[2] ?? '', () => {
        // A pre-signed URL: a bearer token sent there would leak it to a third-party host.
        if (request.headers.authorization)
          return { status: 400, body: '<Error><Code>InvalidArgument</Code></Error>', html: true };
        const bytes = files.get(file[1] ?? '');
        return bytes
          ? { status: 200, body: undefined, bytes, contentType: 'application/a-gzip' }
          : { status: 404, body: 'NoSuchKey', html: true };
      });
    }
    if (request.path === '/v1/salesReports') {
      const vendor = request.query.get('filter[vendorNumber]') ?? '';
      return withLimit(
        await withFaults(faults, 'salesReports', vendor, async () =>
          (await authorized(request)) ? sales(request.query) : NOT_AUTHORIZED,
        ),
      );
    }
    const route = analytics(request);
    if (!route)
      return appleError(
        404,
        'NOT_FOUND',
        'The specified resource does not exist',
        `The path provided does not match a defined resource type. (${request.path})`,
      );
    return withLimit(
      await withFaults(faults, route.route, route.id, async () =>
        (await authorized(request)) ? route.answer() : NOT_AUTHORIZED,
      ),
    );
  });
  url = server.url;
  return { ...server, faults, salesAsked, tokens };
}
