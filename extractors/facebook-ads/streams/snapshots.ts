/** Campaigns, ad sets and ads as snapshots: every run re-reads the whole edge. */
import type { StreamDefinition } from '../../core/source.js';
import type { GraphRow } from '../client.js';
import type { FacebookSession } from '../session.js';
import { type Row, rowBatches } from './rows.js';

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

export const snapshotStreams = () => snapshots.map(snapshotStream);
