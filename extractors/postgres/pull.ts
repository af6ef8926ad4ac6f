import type { Batch } from '../core/source.js';
import { quoteString } from '../core/writer.js';
import type { PullTarget } from './client.js';
import { type Columns, type OutRow, pullSelectList } from './columns.js';
import type { IdCursor, IdRange } from './id-state.js';

/**
 * `--transfer clickhouse-pull`: ClickHouse reads each id range from PostgreSQL itself, so rows
 * never pass through this process. Ranges are id spans of `batchSize`, and the state advances
 * to the end of each range once it is inserted; `live` stays unknown until the caller has
 * counted what arrived. The select list comes from the table's one column list.
 */
export function* pullRanges(
  target: PullTarget,
  schema: string,
  table: string,
  columns: Columns,
  last: bigint,
  upper: bigint,
  batchSize: number,
): Generator<{ select: Batch<OutRow>; range: IdRange }> {
  const source =
    `postgresql(${quoteString(target.hostPort)}, ${quoteString(target.database)}, ` +
    `${quoteString(table)}, ${quoteString(target.user)}, ${quoteString(target.password)}, ` +
    `${quoteString(schema)})`;
  const selectList = pullSelectList(columns);
  for (let from = last; from < upper; from += BigInt(batchSize)) {
    const to = from + BigInt(batchSize) < upper ? from + BigInt(batchSize) : upper;
    const cursor: IdCursor = { lastId: String(to), live: null };
    yield {
      select: {
        kind: 'select',
        select: `SELECT ${selectList} FROM ${source} WHERE id > ${from} AND id <= ${to}`,
        keyRange: `id > ${from} AND id <= ${to}`,
        cursor: JSON.stringify(cursor),
      },
      range: { above: from, upTo: to },
    };
  }
}
