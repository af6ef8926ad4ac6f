import type { AnyStream } from '../core/source.js';
import { ADVERTISER_COLUMNS, CAMPAIGN_COLUMNS } from './columns.js';
import type { PgSession } from './session.js';
import { eventStream } from './streams/events.js';
import { snapshotStream } from './streams/snapshot.js';

/**
 * The four OLTP streams.
 *
 * impressions, clicks (append-only, large; `streams/events.ts`): incremental on `id`, never on
 * `created_at` (the generator back-dates it). Rows come through `COPY … TO STDOUT`, whose text
 * format is ClickHouse's TabSeparated, in `--batch-size` slices (bounded memory). Ids at or
 * below the watermark are compared with PostgreSQL only when something points at a change
 * (`checks.ts`): deletions or TRUNCATE seen in the table's statistics (`catalog.ts`), writers of
 * an earlier run that have since ended (late commits), or a full check falling due. A
 * comparison is one count+sum(id) per side, ClickHouse's side kept in the state
 * (`id-state.ts`) from what was written; only when they differ are id buckets compared, and
 * within a differing bucket ids gone from PostgreSQL get a tombstone and ids ClickHouse lacks
 * are loaded (`reconcile.ts`).
 *
 * advertiser, campaign (small, mutable, `updated_at` not kept by a trigger;
 * `streams/snapshot.ts`): each run compares the full PostgreSQL snapshot with the live rows in
 * ClickHouse and writes only new or changed rows, plus a tombstone (`_deleted = 1`, last known
 * values, higher `_version`) for each row gone from PostgreSQL (`snapshot-diff.ts`). Tombstones
 * instead of deletes: the warehouse keeps what existed, readers exclude `_deleted = 1`, and the
 * change is an ordinary insert that re-runs converge on.
 *
 * Each table's columns are declared once, in `columns.ts`.
 */

/** Dimensions first: a report built mid-run never sees an impression without its campaign. */
export const streams: readonly AnyStream<PgSession>[] = [
  snapshotStream('advertiser', ADVERTISER_COLUMNS),
  snapshotStream('campaign', CAMPAIGN_COLUMNS),
  eventStream('impressions'),
  eventStream('clicks'),
];
