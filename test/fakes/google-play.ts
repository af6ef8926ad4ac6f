/**
 * A loopback fake of what `extract google-play` reads, on Google's wire formats:
 * - the OAuth token endpoint for service accounts: `POST /token` with grant_type
 *   urn:ietf:params:oauth:grant-type:jwt-bearer and an RS256-signed assertion, verified against
 *   the key's public key (issuer = the key's client_email, audience = Google's token URL, scope);
 * - the Cloud Storage JSON API v1: `GET /storage/v1/b/{bucket}/o?prefix&pageToken` (objects
 *   list, paged) and `GET /storage/v1/b/{bucket}/o/{object}?alt=media` (the bytes), with
 *   size and md5Hash as GCS lists them; errors as {"error": {code, message, errors}};
 * - the Play Developer Reporting API v1beta1: `GET /v1beta1/apps/{pkg}/{set}` (freshness) and
 *   `POST /v1beta1/apps/{pkg}/{set}:query` (DAILY rows with decimalValue metrics, nextPageToken).
 * Report files are given as bytes: `utf16Csv` makes Play's UTF-16LE-with-BOM CSVs, `zipOf` the
 * earnings zips.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { zipSync } from 'fflate';
import { jwtVerify } from 'jose';
import {
  type FakeResponse,
  type FakeServer,
  type Fault,
  startFakeServer,
  withFaults,
} from './http.js';

export const PLAY_ACCESS_TOKEN = 'ya29.fake-play-service-account-token-987654';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = [
  'https://www.googleapis.com/auth/devstorage.read_only',
  'https://www.googleapis.com/auth/playdeveloperreporting',
];

/** A CSV as Play Console writes its bulk reports: UTF-16LE after a byte order mark. */
export function utf16Csv(lines: readonly (readonly string[])[]): Buffer {
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  const text = `${lines.map((line) => line.map(quote).join(',')).join('\n')}\n`;
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** A zip of UTF-8 CSV files (an earnings report). */
export function zipOf(files: Record<string, string>): Buffer {
  return Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([n, t]) => [n, Buffer.from(t, 'utf8')]))),
  );
}

export interface FakeVitalsDay {
  readonly date: string;
  /** Metric name → decimal string, as the API sends decimalValue.value. */
  readonly metrics: Readonly<Record<string, string>>;
}

export interface FakePlayOptions {
  readonly bucket: string;
  readonly clientEmail: string;
  /** The service account key's public half: the assertion's signature is checked with it. */
  readonly publicKey: KeyObject;
  /** Object name → bytes. */
  readonly objects: ReadonlyMap<string, Buffer>;
  /** Package → set ('crashRateMetricSet' | 'anrRateMetricSet') → days. */
  readonly vitals: Readonly<Record<string, Readonly<Record<string, readonly FakeVitalsDay[]>>>>;
  /** The first day (exclusive end) the API has no DAILY data for yet. */
  readonly vitalsFreshUntil: string;
  /** 403 on earnings/ (a service account without "View financial data"). */
  readonly earningsDenied?: boolean;
  readonly listPageSize?: number;
}

export interface FakePlay extends FakeServer {
  readonly faults: Fault[];
  /** Objects served (alt=media), by name, in order. */
  readonly downloads: string[];
  readonly queries: { name: string; body: Record<string, unknown> }[];
  /** Replace or add a file (a report rewritten as the month fills). */
  readonly objects: Map<string, Buffer>;
}

export const googleError = (
  code: number,
  message: string,
  status?: string,
  reason = 'backendError',
): FakeResponse => ({
  status: code,
  body: {
    error: {
      code,
      message,
      ...(status ? { status } : {}),
      errors: [{ message, domain: 'global', reason }],
    },
  },
});

const day = (d: { year: number; month: number; day: number }) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

const dateTime = (date: string) => {
  const [year, month, dd] = date.split('-').map(Number);
  return { year, month, day: dd, timeZone: { id: 'America/Los_Angeles' } };
};

export async function startFakePlay(options: FakePlayOptions): Promise<FakePlay> {
  const faults: Fault[] = [];
  const downloads: string[] = [];
  const queries: FakePlay['queries'] = [];
  const objects = new Map(options.objects);
  const pageSize = options.listPageSize ?? 1;
  const bearer = `Bearer ${PLAY_ACCESS_TOKEN}`;

  const token = async (body: unknown): Promise<FakeResponse> => {
    const form = (body ?? {}) as Record<string, string>;
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !form.assertion) {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' },
      };
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(form.assertion, options.publicKey, {
        algorithms: ['RS256'],
        audience: GOOGLE_TOKEN_URL,
        issuer: options.clientEmail,
      });
      const scopes = String(payload.scope ?? '').split(' ');
      if (protectedHeader.alg !== 'RS256' || !SCOPES.every((s) => scopes.includes(s))) {
        return {
          status: 400,
          body: { error: 'invalid_scope', error_description: 'Invalid scope.' },
        };
      }
    } catch {
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      };
    }
    return {
      status: 200,
      body: { access_token: PLAY_ACCESS_TOKEN, expires_in: 3599, token_type: 'Bearer' },
    };
  };

  const metadata = (name: string, bytes: Buffer) => ({
    kind: 'storage#object',
    id: `${options.bucket}/${name}/1700000000000000`,
    name,
    bucket: options.bucket,
    size: String(bytes.length),
    md5Hash: createHash('md5').update(bytes).digest('base64'),
    contentType: name.endsWith('.zip') ? 'application/zip' : 'text/csv; charset=utf-16le',
    updated: '2024-03-02T06:00:00.000Z',
  });

  const storage = (path: string, query: URLSearchParams): FakeResponse | Promise<FakeResponse> => {
    const media = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    const bucket = decodeURIComponent((media ?? list)?.[1] ?? '');
    if (bucket !== options.bucket) {
      return googleError(404, 'The specified bucket does not exist.', undefined, 'notFound');
    }
    if (list) {
      const prefix = query.get('prefix') ?? '';
      return withFaults(faults, 'list', prefix, () => {
        if (options.earningsDenied && prefix.startsWith('earnings/')) {
          return googleError(
            403,
            'fake@example.iam.gserviceaccount.com does not have storage.objects.list access to the Google Cloud Storage bucket.',
            undefined,
            'forbidden',
          );
        }
        const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort();
        const start = Number(query.get('pageToken') ?? 0);
        const page = names.slice(start, start + pageSize);
        return {
          status: 200,
          body: {
            kind: 'storage#objects',
            ...(page.length
              ? { items: page.map((n) => metadata(n, objects.get(n) as Buffer)) }
              : {}),
            ...(start + pageSize < names.length ? { nextPageToken: String(start + pageSize) } : {}),
          },
        };
      });
    }
    const name = decodeURIComponent(media?.[2] ?? '');
    return withFaults(faults, 'media', name, () => {
      if (query.get('alt') !== 'media') return googleError(400, 'Only alt=media is faked.');
      if (options.earningsDenied && name.startsWith('earnings/')) {
        return googleError(403, 'Access denied.', undefined, 'forbidden');
      }
      const bytes = objects.get(name);
      if (!bytes)
        return googleError(404, `No such object: ${options.bucket}/${name}`, undefined, 'notFound');
      downloads.push(name);
      return {
        status: 200,
        body: undefined,
        bytes,
        contentType: metadata(name, bytes).contentType,
      };
    });
  };

  const reporting = (
    method: string,
    path: string,
    body: unknown,
  ): FakeResponse | Promise<FakeResponse> => {
    const route = /^\/v1beta1\/apps\/([^/]+)\/(crashRateMetricSet|anrRateMetricSet)(:query)?$/.exec(
      path,
    );
    if (!route) return googleError(404, `Not found: ${path}`, 'NOT_FOUND');
    const [, pkg = '', set = '', isQuery] = route;
    const days = options.vitals[pkg]?.[set];
    const name = `apps/${pkg}/${set}`;
    if (!isQuery) {
      return withFaults(faults, 'freshness', pkg, () =>
        days
          ? {
              status: 200,
              body: {
                name,
                freshnessInfo: {
                  freshnesses: [
                    {
                      aggregationPeriod: 'HOURLY',
                      latestEndTime: { ...dateTime(options.vitalsFreshUntil), hours: 5 },
                    },
                    {
                      aggregationPeriod: 'DAILY',
                      latestEndTime: dateTime(options.vitalsFreshUntil),
                    },
                  ],
                },
              },
            }
          : googleError(403, 'The caller does not have permission', 'PERMISSION_DENIED'),
      );
    }
    return withFaults(faults, 'query', pkg, () => {
      if (method !== 'POST') return googleError(405, 'Method not allowed', 'INVALID_ARGUMENT');
      if (!days)
        return googleError(403, 'The caller does not have permission', 'PERMISSION_DENIED');
      const request = body as Record<string, unknown>;
      queries.push({ name, body: request });
      const spec = request.timelineSpec as {
        aggregationPeriod: string;
        startTime: { year: number; month: number; day: number; timeZone?: { id: string } };
        endTime: { year: number; month: number; day: number; timeZone?: { id: string } };
      };
      if (
        spec.aggregationPeriod !== 'DAILY' ||
        spec.startTime.timeZone?.id !== 'America/Los_Angeles'
      ) {
        return googleError(400, 'DAILY needs America/Los_Angeles.', 'INVALID_ARGUMENT');
      }
      const start = day(spec.startTime);
      const end = day(spec.endTime);
      if (end > options.vitalsFreshUntil) {
        return googleError(400, 'endTime is after the latest available data.', 'INVALID_ARGUMENT');
      }
      const metrics = request.metrics as string[];
      const matching = days.filter((d) => d.date >= start && d.date < end);
      const offset = Number(request.pageToken ?? 0);
      const size = Number(request.pageSize ?? 1000);
      const page = matching.slice(offset, offset + size);
      return {
        status: 200,
        body: {
          rows: page.map((d) => ({
            aggregationPeriod: 'DAILY',
            startTime: dateTime(d.date),
            metrics: metrics
              .filter((m) => d.metrics[m] !== undefined)
              .map((m) => ({ metric: m, decimalValue: { value: d.metrics[m] } })),
          })),
          ...(offset + size < matching.length ? { nextPageToken: String(offset + size) } : {}),
        },
      };
    });
  };

  const server = await startFakeServer((request) => {
    if (request.path === '/token')
      return withFaults(faults, 'token', '', () => token(request.body));
    if (request.headers.authorization !== bearer) {
      return googleError(
        401,
        'Request had invalid authentication credentials.',
        'UNAUTHENTICATED',
        'authError',
      );
    }
    if (request.path.startsWith('/storage/')) return storage(request.path, request.query);
    return reporting(request.method, request.path, request.body);
  });
  return { ...server, faults, downloads, queries, objects };
}
