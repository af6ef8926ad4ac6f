/**
 * Facebook streams: campaigns, ad sets and ads as snapshots, and daily ad-level insights.
 *
 * Insights go through async report runs, one per date chunk. A run that ends `Job Failed` /
 * `Job Skipped` or stalls is split — halves of the date range down to single days, then one run
 * per campaign — and a single-day, single-campaign run is retried. The pieces partition the
 * (day × campaign) space, so the rows come out exactly as one successful run would give them.
 *
 * Rows go to ClickHouse as their pages come, in insert batches of INSERT_BATCH_ROWS, so memory
 * does not depend on how many rows a run loads; a chunk's state moves after its last batch.
 */

import { dailyStream } from '../ad-platforms/daily-stream.js';
import { INSERT_BATCH_ROWS, type WindowState } from '../ad-platforms/window.js';
import { addDays, daysBetween } from '../core/dates.js';
import type { Logger } from '../core/logger.js';
import type { StreamDefinition } from '../core/source.js';
import {
  type AccountInfo,
  AsyncJobFailedError,
  type FacebookAdsClient,
  type GraphRow,
  type InsightsRequest,
} from './client.js';
import type { FacebookConfig } from './config.js';

export interface FacebookSession {
  readonly client: FacebookAdsClient;
  /** `act_<digits>` as Graph addresses it. */
  readonly accountRef: string;
  readonly account: AccountInfo;
}

type Row = Record<string, unknown>;

const TIMESTAMP = "Nullable(DateTime64(0, 'UTC'))";

/** Graph timestamps look like 2024-01-31T10:00:00+0000; ClickHouse wants an offset with a colon. */
function timestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function integerOrNull(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** A snapshot column beyond the common ones: its ClickHouse type and how a Graph object fills it. */
interface ExtraColumn {
  readonly type: string;
  readonly value: (item: GraphRow) => unknown;
}

const text = (field: string): ExtraColumn => ({
  type: 'String',
  value: (item) => String(item[field] ?? ''),
});

/** Budgets are integer minor units; Graph leaves out the kind of budget that is not set. */
const budget = (field: string): ExtraColumn => ({
  type: 'Nullable(Int64)',
  value: (item) => integerOrNull(item[field]),
});

interface SnapshotSpec {
  readonly name: 'campaigns' | 'adsets' | 'ads';
  /** Columns beyond the common ones, each filled from the Graph field of the same name. */
  readonly extra: Readonly<Record<string, ExtraColumn>>;
}

const commonColumns = {
  account_id: 'String',
  id: 'String',
  name: 'String',
  status: 'String',
  effective_status: 'String',
  created_time: TIMESTAMP,
  updated_time: TIMESTAMP,
};

const snapshots: readonly SnapshotSpec[] = [
  {
    name: 'campaigns',
    extra: {
      objective: text('objective'),
      daily_budget: budget('daily_budget'),
      lifetime_budget: budget('lifetime_budget'),
    },
  },
  {
    name: 'adsets',
    extra: {
      campaign_id: text('campaign_id'),
      daily_budget: budget('daily_budget'),
      lifetime_budget: budget('lifetime_budget'),
    },
  },
  {
    name: 'ads',
    extra: { campaign_id: text('campaign_id'), adset_id: text('adset_id') },
  },
];

function snapshotRow(spec: SnapshotSpec, item: GraphRow, session: FacebookSession): Row {
  const row: Row = {
    account_id: session.account.accountId,
    id: String(item.id),
    name: String(item.name ?? ''),
    status: String(item.status ?? ''),
    effective_status: String(item.effective_status ?? ''),
    created_time: timestamp(item.created_time),
    updated_time: timestamp(item.updated_time),
  };
  for (const [column, extra] of Object.entries(spec.extra)) row[column] = extra.value(item);
  return row;
}

function snapshotStream(spec: SnapshotSpec): StreamDefinition<FacebookSession, object, Row> {
  const extra = Object.entries(spec.extra);
  // `account_id` comes from the session, not from a field of these Graph objects.
  const fields = [
    ...Object.keys(commonColumns).filter((column) => column !== 'account_id'),
    ...extra.map(([field]) => field),
  ];
  return {
    name: spec.name,
    table: `raw.facebook_ads_${spec.name}`,
    key: ['account_id', 'id'],
    columns: {
      ...commonColumns,
      ...Object.fromEntries(extra.map(([column, { type }]) => [column, type])),
    },
    initialState: {},
    // A snapshot has no cursor: every run re-reads the whole edge.
    nextState: (state) => state,
    async *read({ session }) {
      const pages = session.client.edgePages(session.accountRef, spec.name, fields);
      for await (const { rows } of rowBatches(pages, (item) => snapshotRow(spec, item, session))) {
        yield { kind: 'rows', rows };
      }
    },
  };
}

/**
 * Converts pages of Graph rows and regroups them into insert batches of INSERT_BATCH_ROWS (plus
 * at most one page). The last batch, `complete`, comes after the last page, so a read without
 * rows still makes one.
 */
async function* rowBatches(
  pages: AsyncIterable<readonly GraphRow[]>,
  toRow: (item: GraphRow) => Row,
): AsyncGenerator<{ readonly rows: Row[]; readonly complete: boolean }> {
  let rows: Row[] = [];
  for await (const page of pages) {
    for (const item of page) rows.push(toRow(item));
    if (rows.length >= INSERT_BATCH_ROWS) {
      yield { rows, complete: false };
      rows = [];
    }
  }
  yield { rows, complete: true };
}

const INSIGHTS_FIELDS = [
  'account_id',
  'account_currency',
  'campaign_id',
  'campaign_name',
  'adset_id',
  'adset_name',
  'ad_id',
  'ad_name',
  'impressions',
  'clicks',
  'spend',
  'actions',
  'action_values',
] as const;

const insightsColumns = {
  account_id: 'String',
  account_currency: 'LowCardinality(String)',
  account_timezone: 'LowCardinality(String)',
  date: 'Date32',
  breakdowns: 'String',
  breakdown_values: 'String',
  campaign_id: 'String',
  campaign_name: 'String',
  adset_id: 'String',
  adset_name: 'String',
  ad_id: 'String',
  ad_name: 'String',
  impressions: 'Int64',
  clicks: 'Int64',
  spend: 'Decimal(18, 4)',
  actions: 'String',
  action_values: 'String',
  actions_flat: 'Map(String, Decimal(18, 4))',
  action_values_flat: 'Map(String, Decimal(18, 4))',
} as const;

/** `[{action_type, value}]` → `{type: value}` for the configured types (values stay strings). */
function flattenActions(list: unknown, types: readonly string[]): Record<string, string> {
  const flat: Record<string, string> = {};
  if (!Array.isArray(list)) return flat;
  for (const entry of list as { action_type?: unknown; value?: unknown }[]) {
    const type = String(entry.action_type ?? '');
    if (types.includes(type)) flat[type] = String(entry.value ?? '0');
  }
  return flat;
}

function insightsRow(item: GraphRow, session: FacebookSession, config: FacebookConfig): Row {
  const breakdownValues = Object.fromEntries(
    config.breakdowns.map((b) => [b, String(item[b] ?? '')]),
  );
  return {
    account_id: String(item.account_id ?? session.account.accountId),
    account_currency: String(item.account_currency ?? session.account.currency),
    account_timezone: session.account.timezone,
    date: String(item.date_start),
    breakdowns: config.breakdowns.join(','),
    breakdown_values: JSON.stringify(breakdownValues),
    campaign_id: String(item.campaign_id ?? ''),
    campaign_name: String(item.campaign_name ?? ''),
    adset_id: String(item.adset_id ?? ''),
    adset_name: String(item.adset_name ?? ''),
    ad_id: String(item.ad_id ?? ''),
    ad_name: String(item.ad_name ?? ''),
    // Graph sends numbers as strings; they go to ClickHouse as strings, so nothing is rounded.
    impressions: String(item.impressions ?? '0'),
    clicks: String(item.clicks ?? '0'),
    spend: String(item.spend ?? '0'),
    actions: JSON.stringify(item.actions ?? []),
    action_values: JSON.stringify(item.action_values ?? []),
    actions_flat: flattenActions(item.actions, config.actionTypes),
    action_values_flat: flattenActions(item.action_values, config.actionTypes),
  };
}

/**
 * The pages of one report job, splitting the job on failure until it succeeds or a single day of
 * a single campaign has failed `maxAttempts` times. A job fails before any of its rows are read,
 * so the pieces partition the (day × campaign) space and no row comes twice or goes missing.
 */
async function* insightsPagesExact(
  session: FacebookSession,
  request: InsightsRequest,
  options: { readonly maxAttempts: number; readonly log: Logger },
): AsyncGenerator<GraphRow[]> {
  const { client } = session;
  // Listed at most once per job: every day that fails as a whole account splits by the same list.
  let campaigns: Promise<string[]> | undefined;
  const listCampaigns = async (): Promise<string[]> => {
    const ids: string[] = [];
    for await (const page of client.edgePages(session.accountRef, 'campaigns', ['id'])) {
      ids.push(...page.map((campaign) => String(campaign.id)));
    }
    return ids;
  };
  async function* attempt(req: InsightsRequest, tries: number): AsyncGenerator<GraphRow[]> {
    let reportRunId: string;
    try {
      reportRunId = await client.awaitInsightsJob(req);
    } catch (error) {
      if (!(error instanceof AsyncJobFailedError)) throw error;
      const days = daysBetween(req.since, addDays(req.untilInclusive, 1));
      const scope = `${req.since}..${req.untilInclusive}${req.campaignIds ? ` campaign ${req.campaignIds.join(',')}` : ''}`;
      if (days > 1) {
        const middle = addDays(req.since, Math.floor(days / 2));
        options.log.warn(`report run ${scope} ${error.outcome}; splitting the date range`, {
          event: 'async_job_split',
        });
        yield* attempt({ ...req, untilInclusive: addDays(middle, -1) }, 1);
        yield* attempt({ ...req, since: middle }, 1);
        return;
      }
      if (!req.campaignIds) {
        campaigns ??= listCampaigns();
        const campaignIds = await campaigns;
        options.log.warn(
          `report run ${scope} ${error.outcome}; splitting into ${campaignIds.length} per-campaign runs`,
          { event: 'async_job_split' },
        );
        for (const campaignId of campaignIds) {
          yield* attempt({ ...req, campaignIds: [campaignId] }, 1);
        }
        return;
      }
      if (tries >= options.maxAttempts) {
        throw new Error(
          `report run ${scope} for ${session.accountRef} failed ${tries} times (${error.outcome}); the smallest split cannot be loaded`,
        );
      }
      options.log.warn(`report run ${scope} ${error.outcome}; retrying (try ${tries + 1})`, {
        event: 'async_job_retry',
      });
      yield* attempt(req, tries + 1);
      return;
    }
    yield* client.insightsPages(reportRunId, req);
  }
  yield* attempt(request, 1);
}

function insightsStream(
  config: FacebookConfig,
): StreamDefinition<FacebookSession, WindowState, Row> {
  return dailyStream({
    name: 'ads_insights',
    table: 'raw.facebook_ads_ads_insights',
    key: ['account_id', 'breakdowns', 'breakdown_values', 'ad_id', 'date'],
    columns: insightsColumns,
    window: config.window,
    chunkDays: config.jobDays,
    timezone: (session) => session.account.timezone,
    readChunk({ session, chunk, log }) {
      const pages = insightsPagesExact(
        session,
        {
          accountId: session.accountRef,
          since: chunk.since,
          untilInclusive: addDays(chunk.until, -1),
          fields: INSIGHTS_FIELDS,
          breakdowns: config.breakdowns,
        },
        { maxAttempts: config.retry.maxAttempts, log },
      );
      return rowBatches(pages, (item) => insightsRow(item, session, config));
    },
  });
}

export function facebookStreams(config: FacebookConfig) {
  return [...snapshots.map(snapshotStream), insightsStream(config)];
}
