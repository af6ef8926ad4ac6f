/** Campaigns, ad groups and ads as snapshots, each one GAQL query: every run re-reads them. */
import { INSERT_BATCH_ROWS } from '../../ad-platforms/window.js';
import type { StreamDefinition } from '../../core/source.js';
import type { GoogleAdsSession } from '../session.js';
import {
  columnTypes,
  int64,
  type Row,
  type StreamSpec,
  selectList,
  text,
  toRow,
} from './columns.js';

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

export const snapshotStreams = () => snapshotSpecs.map(snapshotStream);
