/**
 * Google Ads streams, each one GAQL query: campaigns, ad groups and ads as snapshots, and
 * campaign- and ad-group-level daily metrics over the date window in chunks.
 *
 * Every column is declared once with its GAQL field, so the query and the row mapping cannot
 * drift apart. REST JSON omits proto3 defaults (a metric of 0 is absent), so absent metrics are
 * written as 0; int64 values arrive as strings and stay strings until ClickHouse parses them.
 *
 * Rows go to ClickHouse as the searchStream delivers them, in insert batches of
 * INSERT_BATCH_ROWS, so memory does not depend on how many rows a query returns; a chunk's state
 * moves after its last batch.
 */
import { dailyStream } from '../ad-platforms/daily-stream.js';
import { INSERT_BATCH_ROWS, type WindowState } from '../ad-platforms/window.js';
import { addDays } from '../core/dates.js';
import type { StreamDefinition } from '../core/source.js';
import type { GaqlRow, GoogleAdsClient } from './client.js';
import type { GoogleAdsConfig } from './config.js';

export interface CustomerInfo {
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  readonly timezone: string;
}

export interface GoogleAdsSession {
  readonly client: GoogleAdsClient;
  readonly customer: CustomerInfo;
}

type Row = Record<string, unknown>;

interface Column {
  readonly field: string;
  readonly type: string;
  /** Value written when the API omits the field (proto3 default). */
  readonly absent: string | null;
}

const text = (field: string): Column => ({ field, type: 'String', absent: '' });
const int64 = (field: string): Column => ({ field, type: 'Int64', absent: '0' });
const double = (field: string): Column => ({ field, type: 'Float64', absent: '0' });

/** `metrics.cost_micros` → the value at result.metrics.costMicros. */
function gaqlValue(row: GaqlRow, field: string): unknown {
  let node: unknown = row;
  for (const part of field.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[
      part.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    ];
  }
  return node;
}

function toRow(result: GaqlRow, columns: Readonly<Record<string, Column>>): Row {
  const row: Row = {};
  for (const [name, column] of Object.entries(columns)) {
    const value = gaqlValue(result, column.field);
    row[name] = value === undefined || value === null ? column.absent : value;
  }
  return row;
}

function selectList(columns: Readonly<Record<string, Column>>): string {
  return Object.values(columns)
    .map((c) => c.field)
    .join(', ');
}

function columnTypes(columns: Readonly<Record<string, Column>>): Record<string, string> {
  return Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, c.type]));
}

/** A stream read by one GAQL query on `resource`: its table is raw.google_ads_<name>. */
interface StreamSpec {
  readonly name: string;
  readonly resource: string;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
}

const snapshotSpecs: readonly StreamSpec[] = [
  {
    name: 'campaigns',
    resource: 'campaign',
    key: ['customer_id', 'id'],
    columns: {
      customer_id: text('customer.id'),
      id: text('campaign.id'),
      name: text('campaign.name'),
      status: text('campaign.status'),
      advertising_channel_type: text('campaign.advertising_channel_type'),
      budget_amount_micros: int64('campaign_budget.amount_micros'),
    },
  },
  {
    name: 'ad_groups',
    resource: 'ad_group',
    key: ['customer_id', 'id'],
    columns: {
      customer_id: text('customer.id'),
      campaign_id: text('campaign.id'),
      id: text('ad_group.id'),
      name: text('ad_group.name'),
      status: text('ad_group.status'),
      type: text('ad_group.type'),
    },
  },
  {
    name: 'ads',
    resource: 'ad_group_ad',
    key: ['customer_id', 'ad_group_id', 'id'],
    columns: {
      customer_id: text('customer.id'),
      campaign_id: text('campaign.id'),
      ad_group_id: text('ad_group.id'),
      id: text('ad_group_ad.ad.id'),
      name: text('ad_group_ad.ad.name'),
      type: text('ad_group_ad.ad.type'),
      status: text('ad_group_ad.status'),
    },
  },
];

function snapshotStream(spec: StreamSpec): StreamDefinition<GoogleAdsSession, object, Row> {
  return {
    name: spec.name,
    table: `raw.google_ads_${spec.name}`,
    key: spec.key,
    columns: columnTypes(spec.columns),
    initialState: {},
    // A snapshot has no cursor: every run re-reads the whole resource.
    nextState: (state) => state,
    async *read({ session }) {
      const batches = session.client.queryBatches(
        `${spec.name} of ${session.customer.customerId}`,
        `SELECT ${selectList(spec.columns)} FROM ${spec.resource}`,
        INSERT_BATCH_ROWS,
      );
      for await (const { rows } of batches) {
        yield { kind: 'rows', rows: rows.map((r) => toRow(r, spec.columns)) };
      }
    },
  };
}

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

export const CUSTOMER_QUERY =
  'SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer';

export function customerInfo(results: readonly GaqlRow[], customerId: string): CustomerInfo {
  const row = results[0];
  return {
    customerId: String((row && gaqlValue(row, 'customer.id')) ?? customerId),
    name: String((row && gaqlValue(row, 'customer.descriptive_name')) ?? ''),
    currency: String((row && gaqlValue(row, 'customer.currency_code')) ?? ''),
    timezone: String((row && gaqlValue(row, 'customer.time_zone')) ?? 'UTC'),
  };
}

export function googleAdsStreams(config: GoogleAdsConfig) {
  return [
    ...snapshotSpecs.map(snapshotStream),
    ...dailySpecs.map((spec) => dailyMetricsStream(spec, config)),
  ];
}
