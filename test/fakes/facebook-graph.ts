/**
 * A loopback fake of the Facebook Graph / Marketing API (v24.0) speaking its documented wire
 * format: ad account node, campaigns/adsets/ads edges with cursor paging (`paging.next` carries
 * the token like Graph's), async insights report runs (POST act_<id>/insights → report_run_id,
 * poll the run node, read <run>/insights pages), Graph error bodies and usage headers.
 *
 * The data set is explicit: insights are stored at the finest grain (ad × day × breakdown values)
 * and the fake aggregates them for the breakdowns a job asks for, as Graph does.
 */
import {
  type FakeRequest,
  type FakeResponse,
  type FakeServer,
  type Fault,
  startFakeServer,
  withFaults,
} from './http.js';

export interface FakeAccount {
  readonly id: string; // digits, without act_
  readonly name: string;
  readonly currency: string;
  readonly timezone: string;
  readonly campaigns: Record<string, unknown>[];
  readonly adsets: Record<string, unknown>[];
  readonly ads: Record<string, unknown>[];
  readonly insights: FakeInsight[];
}

export interface FakeInsight {
  readonly adId: string;
  readonly date: string;
  readonly breakdown: Readonly<Record<string, string>>;
  readonly impressions: number;
  readonly clicks: number;
  /** In cents, so sums stay exact. */
  readonly spendCents: number;
  readonly actions: Readonly<Record<string, number>>;
  readonly actionValues: Readonly<Record<string, number>>;
}

export type JobOutcome = 'complete' | 'fail' | 'skip' | 'stall';

export interface JobRequest {
  readonly accountId: string;
  readonly since: string;
  readonly until: string;
  readonly campaignIds?: readonly string[];
  readonly breakdowns: readonly string[];
}

export type FacebookRoute =
  | 'account'
  | 'campaigns'
  | 'adsets'
  | 'ads'
  | 'insights-start'
  | 'insights-poll'
  | 'insights-read';

export interface FakeGraph extends FakeServer {
  readonly faults: Fault[];
  readonly jobs: (JobRequest & { outcome: JobOutcome })[];
  /** Decides how each async job ends; completes everything by default. */
  jobOutcome: (job: JobRequest) => JobOutcome;
  /** Headers sent with every successful answer (usage reporting). */
  usageHeaders: Record<string, string>;
}

export const graphError = (
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): FakeResponse => ({
  status,
  headers,
  body: {
    error: { message, type: 'OAuthException', code, error_subcode: 0, fbtrace_id: 'AbCdEfGh' },
  },
});

/** Graph's answer to too many calls: code 17 (user request limit) with usage headers. */
export function throttled(regainMinutes: number): FakeResponse {
  return graphError(400, 80004, 'There have been too many calls to this ad-account.', {
    'x-business-use-case-usage': JSON.stringify({
      '2001': [
        {
          type: 'ads_insights',
          call_count: 100,
          total_cputime: 40,
          total_time: 60,
          estimated_time_to_regain_access: regainMinutes,
          ads_api_access_tier: 'standard_access',
        },
      ],
    }),
    'x-ad-account-usage': JSON.stringify({
      acc_id_util_pct: 100,
      reset_time_duration: 0,
      ads_api_access_tier: 'standard_access',
    }),
    'x-app-usage': JSON.stringify({ call_count: 95, total_cputime: 20, total_time: 30 }),
  });
}

const METRIC_FIELDS = new Set(['impressions', 'clicks', 'spend', 'actions', 'action_values']);

export async function startFakeGraph(options: {
  accessToken: string;
  accounts: FakeAccount[];
  pageSize?: number;
}): Promise<FakeGraph> {
  const faults: Fault[] = [];
  const jobs: FakeGraph['jobs'] = [];
  const results = new Map<string, { rows: Record<string, unknown>[]; polls: number }>();
  const accounts = new Map(options.accounts.map((a) => [a.id, a]));
  let baseUrl = '';
  const state: Pick<FakeGraph, 'jobOutcome' | 'usageHeaders'> = {
    jobOutcome: () => 'complete',
    usageHeaders: {},
  };

  const ok = (body: unknown): FakeResponse => ({
    status: 200,
    body,
    headers: state.usageHeaders,
  });

  /** One page of `rows` with Graph's cursor paging; `next` repeats the query like Graph does. */
  function page(request: FakeRequest, rows: Record<string, unknown>[]): FakeResponse {
    const limit = Number(request.query.get('limit') ?? options.pageSize ?? 25);
    const offset = Number(
      Buffer.from(request.query.get('after') ?? 'MA==', 'base64').toString('utf8'),
    );
    const slice = rows.slice(offset, offset + limit);
    const paging: Record<string, unknown> = {
      cursors: {
        before: Buffer.from(String(offset)).toString('base64'),
        after: Buffer.from(String(offset + slice.length)).toString('base64'),
      },
    };
    if (offset + limit < rows.length) {
      const next = new URLSearchParams(request.query);
      next.set('after', Buffer.from(String(offset + limit)).toString('base64'));
      paging.next = `${baseUrl}${request.path}?${next.toString()}`;
    }
    return ok({ data: slice, paging });
  }

  function aggregate(account: FakeAccount, job: JobRequest, fields: string[]) {
    const adById = new Map(account.ads.map((ad) => [String(ad.id), ad]));
    const groups = new Map<string, Record<string, unknown>>();
    const sums = new Map<
      string,
      {
        impressions: number;
        clicks: number;
        cents: number;
        actions: Map<string, number>;
        values: Map<string, number>;
      }
    >();
    for (const insight of account.insights) {
      if (insight.date < job.since || insight.date > job.until) continue;
      const ad = adById.get(insight.adId);
      if (!ad) continue;
      const campaignId = String(ad.campaign_id);
      if (job.campaignIds && !job.campaignIds.includes(campaignId)) continue;
      const breakdownValues = job.breakdowns.map((b) => insight.breakdown[b] ?? 'unknown');
      const key = [insight.adId, insight.date, ...breakdownValues].join('|');
      if (!groups.has(key)) {
        const campaign = account.campaigns.find((c) => String(c.id) === campaignId);
        const adset = account.adsets.find((s) => String(s.id) === String(ad.adset_id));
        const row: Record<string, unknown> = {
          account_id: account.id,
          account_name: account.name,
          account_currency: account.currency,
          campaign_id: campaignId,
          campaign_name: campaign?.name,
          adset_id: String(ad.adset_id),
          adset_name: adset?.name,
          ad_id: insight.adId,
          ad_name: ad.name,
        };
        for (const field of Object.keys(row)) if (!fields.includes(field)) delete row[field];
        job.breakdowns.forEach((b, i) => {
          row[b] = breakdownValues[i];
        });
        groups.set(key, row);
        sums.set(key, {
          impressions: 0,
          clicks: 0,
          cents: 0,
          actions: new Map(),
          values: new Map(),
        });
      }
      const sum = sums.get(key)!;
      sum.impressions += insight.impressions;
      sum.clicks += insight.clicks;
      sum.cents += insight.spendCents;
      for (const [type, n] of Object.entries(insight.actions)) {
        sum.actions.set(type, (sum.actions.get(type) ?? 0) + n);
      }
      for (const [type, n] of Object.entries(insight.actionValues)) {
        sum.values.set(type, (sum.values.get(type) ?? 0) + n);
      }
    }
    const rows: Record<string, unknown>[] = [];
    for (const [key, row] of groups) {
      const sum = sums.get(key)!;
      const date = key.split('|')[1];
      // Graph sends every metric as a string; actions as [{action_type, value}] and omits them
      // when empty.
      if (fields.includes('impressions')) row.impressions = String(sum.impressions);
      if (fields.includes('clicks')) row.clicks = String(sum.clicks);
      if (fields.includes('spend')) row.spend = (sum.cents / 100).toFixed(2);
      if (fields.includes('actions') && sum.actions.size > 0) {
        row.actions = [...sum.actions].map(([action_type, value]) => ({
          action_type,
          value: String(value),
        }));
      }
      if (fields.includes('action_values') && sum.values.size > 0) {
        row.action_values = [...sum.values].map(([action_type, value]) => ({
          action_type,
          value: String(value),
        }));
      }
      row.date_start = date;
      row.date_stop = date;
      rows.push(row);
    }
    return rows;
  }

  function route(request: FakeRequest): [FacebookRoute, string, string | undefined] | undefined {
    const parts = request.path.split('/').filter(Boolean);
    if (parts[0] !== 'v24.0') return undefined;
    const [, node, edge] = parts;
    if (!node) return undefined;
    if (node.startsWith('act_')) {
      const id = node.slice(4);
      if (!edge) return ['account', id, undefined];
      if (edge === 'insights' && request.method === 'POST')
        return ['insights-start', id, undefined];
      if (edge === 'campaigns' || edge === 'adsets' || edge === 'ads') return [edge, id, undefined];
      return undefined;
    }
    if (!edge) return ['insights-poll', node, undefined];
    if (edge === 'insights') return ['insights-read', node, undefined];
    return undefined;
  }

  const server = await startFakeServer(async (request) => {
    // Graph accepts the token in the query string (GET) or the body (POST).
    const token =
      request.query.get('access_token') ??
      (request.body as Record<string, unknown> | undefined)?.access_token;
    if (token !== options.accessToken) {
      return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
    const matched = route(request);
    if (!matched)
      return graphError(400, 100, `Unsupported request ${request.method} ${request.path}`);
    const [name, id] = matched;
    return withFaults(faults, name, id, () => answer(name, id, request));
  });
  baseUrl = server.url;

  function answer(name: FacebookRoute, id: string, request: FakeRequest): FakeResponse {
    if (name === 'insights-poll' || name === 'insights-read') {
      const result = results.get(id);
      if (!result)
        return graphError(
          400,
          100,
          `Unsupported get request. Object with ID '${id}' does not exist`,
        );
      const job = jobs[Number(id.replace('run', ''))]!;
      if (name === 'insights-read') return page(request, result.rows);
      result.polls += 1;
      const status =
        job.outcome === 'complete'
          ? result.polls >= 2
            ? 'Job Completed'
            : 'Job Running'
          : job.outcome === 'fail'
            ? 'Job Failed'
            : job.outcome === 'skip'
              ? 'Job Skipped'
              : 'Job Running';
      return ok({
        id,
        async_status: status,
        async_percent_completion: status === 'Job Completed' ? 100 : 40,
      });
    }
    const account = accounts.get(id);
    if (!account) {
      return graphError(
        400,
        100,
        `Unsupported get request. Object with ID 'act_${id}' does not exist`,
      );
    }
    const fields = (request.query.get('fields') ?? '').split(',').filter(Boolean);
    const pick = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => k === 'id' || fields.includes(k)));
    switch (name) {
      case 'account':
        return ok(
          pick({
            id: `act_${account.id}`,
            account_id: account.id,
            name: account.name,
            currency: account.currency,
            timezone_name: account.timezone,
          }),
        );
      case 'campaigns': {
        // Like Graph: deleted and archived campaigns only when effective_status asks for them.
        const statuses = JSON.parse(
          request.query.get('effective_status') ?? '["ACTIVE","PAUSED"]',
        ) as string[];
        const visible = account.campaigns.filter((c) =>
          statuses.includes(String(c.effective_status ?? 'ACTIVE')),
        );
        return page(request, visible.map(pick));
      }
      case 'adsets':
      case 'ads':
        return page(request, account[name].map(pick));
      case 'insights-start': {
        const body = request.body as Record<string, unknown>;
        const range = body.time_range as { since: string; until: string };
        const filtering = (body.filtering ?? []) as { field: string; value: string[] }[];
        const campaignFilter = filtering.find((f) => f.field === 'campaign.id');
        const job: JobRequest = {
          accountId: id,
          since: range.since,
          until: range.until,
          campaignIds: campaignFilter?.value,
          breakdowns: String(body.breakdowns ?? '')
            .split(',')
            .filter(Boolean),
        };
        const requested = String(body.fields ?? '')
          .split(',')
          .filter(Boolean);
        const unknown = requested.filter(
          (f) => !METRIC_FIELDS.has(f) && !/_(id|name|currency)$/.test(f),
        );
        if (unknown.length > 0)
          return graphError(400, 100, `(#100) ${unknown[0]} is not valid for fields param.`);
        const runId = `run${jobs.length}`;
        jobs.push({ ...job, outcome: state.jobOutcome(job) });
        results.set(runId, { rows: aggregate(account, job, requested), polls: 0 });
        return ok({ report_run_id: runId });
      }
      default:
        return graphError(400, 100, 'unreachable');
    }
  }

  return Object.assign(state, {
    ...server,
    faults,
    jobs,
  }) as FakeGraph;
}
