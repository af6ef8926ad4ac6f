import type pg from 'pg';
import type { Logger } from '../../core/logger.js';
import type { ClickHouseWriter } from '../../core/writer.js';
import { copyOut, quoteIdent } from '../client.js';
import { copySelectList } from '../columns.js';
import { describeCopyText } from '../copy-parser.js';
import { assertRepresentable } from '../value-check.js';
import { snapshotVersion } from './lsn.js';
import type { CdcTable } from './tables.js';
import { tombstoneBelow, type WriteContext } from './warehouse.js';

/**
 * The initial snapshot of CDC mode: every row of every table as of the slot's consistent point,
 * read inside the snapshot the slot exported (`SET TRANSACTION SNAPSHOT`), so the stream that
 * follows starts exactly where the snapshot ends: nothing missed, nothing twice.
 *
 * Rows go through COPY in id slices of `batchSize` (bounded memory), all at the snapshot's
 * version. Then every live row ClickHouse already held (a warehouse the watermark mode loaded)
 * that the snapshot did not rewrite is gone from PostgreSQL: it gets a tombstone at the same
 * version.
 */
export async function loadSnapshot(options: {
  client: pg.Client;
  snapshot: string;
  consistentPoint: bigint;
  schema: string;
  tables: readonly CdcTable[];
  batchSize: number;
  writer: ClickHouseWriter;
  context: WriteContext;
  log: Logger;
}): Promise<number> {
  const { client, schema, batchSize, writer, context, log } = options;
  const version = snapshotVersion(options.consistentPoint);
  let total = 0;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`SET TRANSACTION SNAPSHOT '${options.snapshot.replace(/'/g, "''")}'`);
    for (const table of options.tables) {
      await writer.ensureTable(table.stream);
      const from = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
      // Every value must fit before any of the table is written (value-check.ts).
      await assertRepresentable(client, from, `${schema}.${table.name}`, table.types, 'true');
      const selectList = copySelectList(table.columns);
      let rows = 0;
      let after: string | undefined;
      for (;;) {
        const data = await copyOut(
          client,
          `SELECT ${selectList} FROM ${from}${after === undefined ? '' : ` WHERE id > ${after}`} ORDER BY id LIMIT ${batchSize}`,
        );
        const { rowCount, lastKey } = describeCopyText(data);
        if (rowCount === 0) break;
        await writer.insert(
          table.stream,
          { kind: 'encoded', format: 'TabSeparated', data, rowCount, cursor: lastKey },
          { version, loadedAt: new Date(), runId: context.runId },
        );
        rows += rowCount;
        after = lastKey;
        if (rowCount < batchSize) break;
      }
      await tombstoneBelow(context, table, version);
      log.info(`${table.name}: snapshot of ${rows} rows written`, { stream: table.name, rows });
      total += rows;
    }
  } finally {
    await client.query('COMMIT').catch(() => {});
  }
  return total;
}
