/**
 * A loopback fake of the Google Ads API REST surface (v24) and Google's OAuth token endpoint:
 * `POST /v24/customers/{id}/googleAds:searchStream` answers a GAQL query with a JSON array of
 * SearchGoogleAdsStreamResponse batches (results as nested camelCase objects, int64 as strings,
 * doubles as numbers, `fieldMask`, `requestId`); errors are `[{"error": google.rpc.Status}]`
 * whose details hold a GoogleAdsFailure and a RetryInfo. `POST /token` exchanges a refresh token.
 *
 * The data set is rows of GAQL field → value per resource; the fake implements the GAQL subset
 * the source sends: SELECT fields FROM resource [WHERE segments.date BETWEEN 'a' AND 'b'].
 *
 * A `cut` ends a stream partway after its first batches (HTTP 200 already sent): without `error`
 * as a dropped connection does (half of the next batch, no closing bracket); with `error` as
 * Google reports a failure mid-stream — an `{"error": google.rpc.Status}` element, then `]`.
 */
import { hasAccessToken, startGoogleApiFake } from './google-oauth.js';
import { type FakeResponse, type FakeServer, type Fault, withFaults } from './http.js';

export type GaqlValue = string | number;

export interface FakeCustomer {
  readonly id: string;
  /** Customers this one may be reached through as login-customer-id (its managers). */
  readonly managers?: readonly string[];
  readonly resources: Readonly<Record<string, readonly Readonly<Record<string, GaqlValue>>[]>>;
}

/** The next `times` queries containing `match` stop partway, after `afterBatches` whole batches. */
export interface StreamCut {
  readonly match: string;
  readonly afterBatches: number;
  times: number;
  /** Sent as the element after those batches (see googleStatus); without it the body is cut. */
  readonly error?: unknown;
}

export interface FakeGoogleAds extends FakeServer {
  readonly faults: Fault[];
  readonly cuts: StreamCut[];
  readonly queries: { customerId: string; loginCustomerId?: string; query: string }[];
  /** Results per streamed batch (Google sends up to 10,000; small here to exercise batching). */
  batchSize: number;
}

/** A google.rpc.Status as REST JSON has it, with a GoogleAdsFailure and a RetryInfo in details. */
export function googleStatus(
  httpStatus: number,
  status: string,
  message: string,
  failure?: { errorCode: Record<string, string>; retryDelay?: string },
) {
  const details: unknown[] = [];
  if (failure) {
    details.push({
      '@type': 'type.googleapis.com/google.ads.googleads.v24.errors.GoogleAdsFailure',
      errors: [
        {
          errorCode: failure.errorCode,
          message,
          ...(failure.retryDelay
            ? {
                details: {
                  quotaErrorDetails: {
                    rateScope: 'DEVELOPER',
                    rateName: 'Number of operations for basic access',
                    retryDelay: failure.retryDelay,
                  },
                },
              }
            : {}),
        },
      ],
      requestId: 'fake-request-id',
    });
  }
  if (failure?.retryDelay)
    details.push({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: failure.retryDelay,
    });
  return { code: httpStatus, message, status, details };
}

export function googleError(...args: Parameters<typeof googleStatus>): FakeResponse {
  return { status: args[0], body: [{ error: googleStatus(...args) }] };
}

export const quotaExhausted = (retryDelay: string) =>
  googleError(429, 'RESOURCE_EXHAUSTED', 'Too many requests. Retry in 30 seconds.', {
    errorCode: { quotaError: 'RESOURCE_EXHAUSTED' },
    retryDelay,
  });

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function parseGaql(query: string) {
  const match = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?\s*$/is.exec(query);
  if (!match) return undefined;
  const fields = match[1]!.split(',').map((f) => f.trim());
  const where = match[3];
  let range: [string, string] | undefined;
  if (where) {
    const between =
      /^segments\.date\s+BETWEEN\s+'(\d{4}-\d{2}-\d{2})'\s+AND\s+'(\d{4}-\d{2}-\d{2})'$/i.exec(
        where.trim(),
      );
    if (!between) return undefined;
    range = [between[1]!, between[2]!];
  }
  return { fields, resource: match[2]!, range };
}

export async function startFakeGoogleAds(options: {
  developerToken: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  customers: FakeCustomer[];
}): Promise<FakeGoogleAds> {
  const faults: Fault[] = [];
  const queries: FakeGoogleAds['queries'] = [];
  const cuts: StreamCut[] = [];
  const state = { batchSize: 3 };
  const server = await startGoogleApiFake(options, faults, (request) => {
    const route = /^\/v24\/customers\/(\d+)\/googleAds:searchStream$/.exec(request.path);
    if (!route || request.method !== 'POST')
      return {
        status: 404,
        body: [{ error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }],
      };
    const customerId = route[1]!;
    return withFaults(faults, 'searchStream', customerId, () => {
      if (!hasAccessToken(request)) {
        return googleError(
          401,
          'UNAUTHENTICATED',
          'Request is missing required authentication credential.',
          {
            errorCode: { authenticationError: 'AUTHENTICATION_ERROR' },
          },
        );
      }
      if (request.headers['developer-token'] !== options.developerToken) {
        return googleError(401, 'UNAUTHENTICATED', 'The developer token is not valid.', {
          errorCode: { authenticationError: 'DEVELOPER_TOKEN_INVALID' },
        });
      }
      const loginCustomerId = request.headers['login-customer-id'] as string | undefined;
      const query = String((request.body as { query?: unknown } | undefined)?.query ?? '');
      queries.push({ customerId, loginCustomerId, query });
      const customer = options.customers.find((c) => c.id === customerId);
      if (
        !customer ||
        (loginCustomerId &&
          loginCustomerId !== customerId &&
          !customer.managers?.includes(loginCustomerId))
      ) {
        return googleError(
          403,
          'PERMISSION_DENIED',
          "User doesn't have permission to access customer.",
          {
            errorCode: { authorizationError: 'USER_PERMISSION_DENIED' },
          },
        );
      }
      const gaql = parseGaql(query);
      if (!gaql) {
        return googleError(400, 'INVALID_ARGUMENT', `Error in query: ${query}`, {
          errorCode: { queryError: 'UNEXPECTED_INPUT' },
        });
      }
      const rows = (customer.resources[gaql.resource] ?? []).filter((row) => {
        if (!gaql.range) return true;
        const date = String(row['segments.date']);
        return date >= gaql.range[0] && date <= gaql.range[1];
      });
      const results = rows.map((row) => {
        const result: Record<string, Record<string, unknown>> = {};
        for (const field of gaql.fields) {
          const [resource, ...rest] = field.split('.');
          // Nested paths such as ad_group_ad.ad.id become nested objects.
          let node: Record<string, unknown> = result;
          for (const part of [resource!, ...rest.slice(0, -1)]) {
            const child = (node[camel(part)] ?? {}) as Record<string, unknown>;
            node[camel(part)] = child;
            node = child;
          }
          if (row[field] !== undefined) node[camel(rest[rest.length - 1]!)] = row[field];
        }
        return result;
      });
      // Without segments GAQL returns one row per resource, not one per day.
      const segmented = gaql.fields.some((f) => f.startsWith('segments.'));
      const unique = segmented
        ? results
        : [...new Map(results.map((r) => [JSON.stringify(r), r])).values()];
      const batches: unknown[] = [];
      for (let i = 0; i < Math.max(unique.length, 1); i += state.batchSize) {
        batches.push({
          results: unique.slice(i, i + state.batchSize),
          fieldMask: gaql.fields.map((f) => f.split('.').map(camel).join('.')).join(','),
          requestId: `req-${queries.length}-${i}`,
        });
      }
      const cut = cuts.find((c) => c.times > 0 && query.includes(c.match));
      if (cut && batches.length > cut.afterBatches) {
        cut.times -= 1;
        if (cut.error)
          return {
            status: 200,
            body: [...batches.slice(0, cut.afterBatches), { error: cut.error }],
          };
        const whole = batches.slice(0, cut.afterBatches).map((b) => JSON.stringify(b));
        const next = JSON.stringify(batches[cut.afterBatches]);
        return {
          status: 200,
          body: `[${[...whole, next.slice(0, next.length / 2)].join(',')}`,
          // Sent as-is, like an HTML page, but under the JSON content type the stream began with.
          html: true,
          headers: { 'content-type': 'application/json; charset=UTF-8' },
        };
      }
      return { status: 200, body: batches };
    });
  });
  return Object.assign(state, { ...server, faults, queries, cuts }) as FakeGoogleAds;
}
