/**
 * A loopback fake of the GA4 Data API v1beta `properties/{id}:runReport` and Google's OAuth
 * token endpoint. Answers follow RunReportResponse: dimensionHeaders, metricHeaders (with
 * types), rows of dimensionValues/metricValues (all values strings, `date` as YYYYMMDD),
 * rowCount (all rows, not the page), metadata {currencyCode, timeZone}, propertyQuota when asked,
 * kind. Offset/limit pagination; errors as {"error": {code, message, status}}.
 */
import { hasAccessToken, startGoogleApiFake } from './google-oauth.js';
import { type FakeResponse, type FakeServer, type Fault, withFaults } from './http.js';

export interface FakeProperty {
  readonly id: string;
  readonly currency: string;
  readonly timezone: string;
  /** Finest-grain rows: every dimension the tests use, metrics as numbers. */
  readonly rows: readonly {
    readonly dimensions: Readonly<Record<string, string>>;
    readonly metrics: Readonly<Record<string, number>>;
  }[];
}

export interface FakeAnalytics extends FakeServer {
  readonly faults: Fault[];
  readonly reports: { propertyId: string; body: Record<string, unknown> }[];
  /** tokensPerHour remaining after each answer (counts down by `tokensPerRequest`). */
  tokensPerHourLeft: number;
  tokensPerRequest: number;
}

export const gaError = (code: number, status: string, message: string): FakeResponse => ({
  status: code,
  body: { error: { code, message, status } },
});

export async function startFakeAnalytics(options: {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  properties: FakeProperty[];
}): Promise<FakeAnalytics> {
  const faults: Fault[] = [];
  const reports: FakeAnalytics['reports'] = [];
  const state = { tokensPerHourLeft: 40_000, tokensPerRequest: 10 };
  const server = await startGoogleApiFake(options, faults, (request) => {
    const route = /^\/v1beta\/properties\/(\d+):runReport$/.exec(request.path);
    if (!route || request.method !== 'POST')
      return gaError(404, 'NOT_FOUND', `Not found: ${request.path}`);
    const propertyId = route[1]!;
    return withFaults(faults, 'runReport', propertyId, () => {
      if (!hasAccessToken(request)) {
        return gaError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      }
      const property = options.properties.find((p) => p.id === propertyId);
      if (!property) {
        return gaError(
          403,
          'PERMISSION_DENIED',
          'User does not have sufficient permissions for this property.',
        );
      }
      const body = request.body as Record<string, unknown>;
      reports.push({ propertyId, body });
      const [range] = body.dateRanges as { startDate: string; endDate: string }[];
      const today = new Date().toISOString().slice(0, 10);
      const resolve = (d: string) => (d === 'today' ? today : d);
      const start = resolve(range!.startDate).replace(/-/g, '');
      const end = resolve(range!.endDate).replace(/-/g, '');
      const dimensions = (body.dimensions as { name: string }[]).map((d) => d.name);
      const metrics = (body.metrics as { name: string }[]).map((m) => m.name);
      const groups = new Map<string, number[]>();
      for (const row of property.rows) {
        const date = row.dimensions.date ?? '';
        if (date < start || date > end) continue;
        const key = JSON.stringify(dimensions.map((d) => row.dimensions[d] ?? '(not set)'));
        const sums = groups.get(key) ?? metrics.map(() => 0);
        metrics.forEach((m, i) => {
          sums[i]! += row.metrics[m] ?? 0;
        });
        groups.set(key, sums);
      }
      const all = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
      const offset = Number(body.offset ?? 0);
      const limit = Number(body.limit ?? 10000);
      state.tokensPerHourLeft = Math.max(0, state.tokensPerHourLeft - state.tokensPerRequest);
      return {
        status: 200,
        body: {
          dimensionHeaders: dimensions.map((name) => ({ name })),
          metricHeaders: metrics.map((name) => ({
            name,
            type: name === 'totalRevenue' ? 'TYPE_CURRENCY' : 'TYPE_INTEGER',
          })),
          rows: all.slice(offset, offset + limit).map(([key, sums]) => ({
            dimensionValues: (JSON.parse(key) as string[]).map((value) => ({ value })),
            metricValues: sums.map((value) => ({ value: String(Math.round(value * 100) / 100) })),
          })),
          rowCount: all.length,
          metadata: { currencyCode: property.currency, timeZone: property.timezone },
          ...(body.returnPropertyQuota
            ? {
                propertyQuota: {
                  tokensPerDay: { consumed: 10, remaining: 199_990 },
                  tokensPerHour: {
                    consumed: 40_000 - state.tokensPerHourLeft,
                    remaining: state.tokensPerHourLeft,
                  },
                  concurrentRequests: { consumed: 0, remaining: 10 },
                  serverErrorsPerProjectPerHour: { consumed: 0, remaining: 10 },
                  potentiallyThresholdedRequestsPerHour: { consumed: 0, remaining: 120 },
                  tokensPerProjectPerHour: { consumed: 10, remaining: 13_990 },
                },
              }
            : {}),
          kind: 'analyticsData#runReport',
        },
      };
    });
  });
  return Object.assign(state, { ...server, faults, reports }) as FakeAnalytics;
}
