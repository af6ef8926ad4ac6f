/**
 * Campaign- and ad-group-level daily metrics over the date window in chunks; rows go to
 * ClickHouse as searchStream delivers them, in insert batches of INSERT_BATCH_ROWS, and a chunk's
 * state moves after its last batch.
 */
import { dailyStream } from '../../ad-platforms/daily-stream.js';
import { INSERT_BATCH_ROWS, type WindowState } from '../../ad-platforms/window.js';
import { addDays } from '../../core/dates.js';
import type { StreamDefinition } from '../../core/source.js';
import type { GoogleAdsConfig } from '../config.js';
import type { GoogleAdsSession } from '../session.js';
import {
  columnTypes,
  double,
  int64,
  type Row,
  type StreamSpec,
  selectList,
  text,
  toRow,
} from './columns.js';

const metricColumns = {
  impressions: int64('metrics.impressions'),
  clicks: int64('metrics.clicks'),
  cost_micros: int64('metrics.cost_micros'),
  conversions: double('metrics.conversions'),
  conversions_value: double('metrics.conversions_value'),
};

/** Who and what a daily row is about: the customer (currency, time zone) and the campaign. */
const campaignColumns = {
  customer_id: text('customer.id'),
  currency_code: text('customer.currency_code'),
  time_zone: text('customer.time_zone'),
  campaign_id: text('campaign.id'),
  campaign_name: text('campaign.name'),
};

const dailySpecs: readonly StreamSpec[] = [
  {
    name: 'campaign_daily',
    resource: 'campaign',
    key: ['customer_id', 'campaign_id', 'date'],
    columns: {
      ...campaignColumns,
      date: { field: 'segments.date', type: 'Date32', absent: null },
      ...metricColumns,
    },
  },
  {
    name: 'ad_group_daily',
    resource: 'ad_group',
    key: ['customer_id', 'campaign_id', 'ad_group_id', 'date'],
    columns: {
      ...campaignColumns,
      ad_group_id: text('ad_group.id'),
      ad_group_name: text('ad_group.name'),
      date: { field: 'segments.date', type: 'Date32', absent: null },
      ...metricColumns,
    },
  },
];

function dailyMetricsStream(
  spec: StreamSpec,
  config: GoogleAdsConfig,
): StreamDefinition<GoogleAdsSession, WindowState, Row> {
  return dailyStream({
    name: spec.name,
    table: `raw.google_ads_${spec.name}`,
    key: spec.key,
    columns: columnTypes(spec.columns),
    window: config.window,
    chunkDays: config.chunkDays,
    timezone: (session) => session.customer.timezone,
    async *readChunk({ session, chunk }) {
      const batches = session.client.queryBatches(
        `${spec.name} of ${session.customer.customerId} ${chunk.since}..${chunk.until}`,
        `SELECT ${selectList(spec.columns)} FROM ${spec.resource} ` +
          `WHERE segments.date BETWEEN '${chunk.since}' AND '${addDays(chunk.until, -1)}'`,
        INSERT_BATCH_ROWS,
      );
      for await (const { rows, complete } of batches) {
        yield { rows: rows.map((r) => toRow(r, spec.columns)), complete };
      }
    },
  });
}

export const dailyMetricsStreams = (config: GoogleAdsConfig) =>
  dailySpecs.map((spec) => dailyMetricsStream(spec, config));
