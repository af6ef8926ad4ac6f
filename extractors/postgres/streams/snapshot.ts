import type { ReadContext, StreamDefinition } from '../../core/source.js';
import { checkTable, queryText, quoteIdent } from '../client.js';
import { type Columns, type OutRow, postgresSelectList, sourceColumns } from '../columns.js';
import type { PgSession } from '../session.js';
import { diffSnapshot } from '../snapshot-diff.js';
import { liveRows } from '../warehouse.js';

/**
 * A small, mutable table (advertiser, campaign; `updated_at` not kept by a trigger): each run
 * compares the full PostgreSQL snapshot with the live rows in ClickHouse and writes only new or
 * changed rows, plus a tombstone for each row gone from PostgreSQL (see `diffSnapshot`). It
 * keeps no state: ClickHouse itself is what the next run compares with.
 */
export function snapshotStream(
  name: 'advertiser' | 'campaign',
  columns: Columns,
): StreamDefinition<PgSession, null, OutRow> {
  const table = `raw.postgres_${name}`;
  return {
    name,
    table,
    key: ['id'],
    columns,
    initialState: null,
    nextState: (state) => state,
    async *read({ session, clickhouse, log }: ReadContext<PgSession, null>) {
      const { client, schema, batchSize } = session;
      await checkTable(client, schema, name, sourceColumns(columns));
      const current = await queryText(
        client,
        `SELECT ${postgresSelectList(columns)} FROM ${quoteIdent(schema)}.${quoteIdent(name)} ORDER BY id`,
      );
      const loaded = await liveRows(clickhouse, table, columns);
      const { changes, changed, deleted } = diffSnapshot(columns, current, loaded);
      log.info(
        `${name}: ${current.length} rows in PostgreSQL, ${changed} new or changed, ${deleted} deleted`,
        { rows: changes.length },
      );
      for (const rows of slices(changes, batchSize)) yield { kind: 'rows', rows };
    },
  };
}

function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
