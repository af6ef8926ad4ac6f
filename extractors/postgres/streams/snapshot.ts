import type { ReadContext, StreamDefinition } from '../../core/source.js';
import { queryText, quoteIdent } from '../client.js';
import { type Columns, type OutRow, postgresSelectList } from '../columns.js';
import { evolveFromSource, holdsType } from '../raw-types.js';
import type { PgSession } from '../session.js';
import { diffSnapshot } from '../snapshot-diff.js';
import { assertRepresentable } from '../value-check.js';
import { liveRows } from '../warehouse.js';

/**
 * A small, mutable table (advertiser, campaign; `updated_at` not kept by a trigger): each run
 * compares the full PostgreSQL snapshot with the live rows in ClickHouse and writes only new or
 * changed rows, plus a tombstone for each row gone from PostgreSQL (see `diffSnapshot`). It
 * keeps no state: ClickHouse itself is what the next run compares with. The raw table is first
 * widened to what the source's catalog declares, and a value ClickHouse cannot hold fails the
 * stream before anything is written (`value-check.ts`).
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
    // Raw columns widened to the source's catalog types are as declared (raw-types.ts).
    holdsDeclared: holdsType,
    initialState: null,
    nextState: (state) => state,
    async *read({ session, clickhouse, log }: ReadContext<PgSession, null>) {
      const { client, schema, batchSize } = session;
      // Wide enough first (numeric(12,2) → numeric(20,4) widens Decimal(12, 2)): the diff below
      // then reads ClickHouse's values at the source's scale and compares them exactly.
      const { source, types } = await evolveFromSource(
        client,
        clickhouse,
        { schema, name, table, columns },
        log,
      );
      const from = `${quoteIdent(schema)}.${quoteIdent(name)}`;
      await assertRepresentable(client, from, `${schema}.${name}`, source, 'true');
      const current = await queryText(
        client,
        `SELECT ${postgresSelectList(columns)} FROM ${from} ORDER BY id`,
      );
      const loaded = await liveRows(clickhouse, table, columns);
      const { changes, changed, deleted } = diffSnapshot({ ...columns, ...types }, current, loaded);
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
