/**
 * Daily ad-level insights through async report runs, one per date chunk. A run that ends
 * `Job Failed` / `Job Skipped` or stalls is split — halves of the date range down to single days,
 * then one run per campaign — and a single-day, single-campaign run is retried. The pieces
 * partition the (day × campaign) space, so the rows come out exactly as one successful run would
 * give them. A chunk's state moves after its last batch.
 */
import { dailyStream } from '../../ad-platforms/daily-stream.js';
import type { WindowState } from '../../ad-platforms/window.js';
import { addDays, daysBetween } from '../../core/dates.js';
import type { Logger } from '../../core/logger.js';
import type { StreamDefinition } from '../../core/source.js';
import { AsyncJobFailedError, type GraphRow, type InsightsRequest } from '../client.js';
import type { FacebookConfig } from '../config.js';
import type { FacebookSession } from '../session.js';
import { type Row, rowBatches } from './rows.js';

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

export function insightsStream(
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
