import type pg from 'pg';
import { queryText } from './client.js';
import type { TableMarks } from './id-state.js';

/**
 * What PostgreSQL's catalogs say about a table without reading it: whether rows may have been
 * deleted (statistics, file node) and which transactions are writing to it now.
 */

/** The table's marks, or undefined when PostgreSQL keeps no statistics (track_counts off). */
export async function tableMarks(
  client: pg.Client,
  schema: string,
  name: string,
): Promise<TableMarks | undefined> {
  const [row] = await queryText(
    client,
    `SELECT s.n_tup_del AS deleted, pg_relation_filenode(c.oid) AS filenode,
            current_setting('track_counts') AS tracking
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  if (!row?.deleted || !row.filenode || row.tracking !== 'on') return undefined;
  return { deleted: row.deleted, filenode: row.filenode };
}

/**
 * Other transactions holding a write lock on the table now (virtual transaction ids, prepared
 * transactions included). BIGSERIAL ids are handed out in time order but committed in any
 * order: a row with an id below the top id read just before may still be uncommitted. Its
 * transaction took the lock before it took the id (INSERT locks the table before evaluating
 * the default), so it is in this list unless it has already ended, in which case its row is
 * visible to the reads that follow. Caveats: a sequence with CACHE > 1, or ids fetched with
 * nextval() in one statement and inserted in a later one, escape this; the periodic full
 * check catches what they leave.
 */
export async function activeWriters(client: pg.Client, from: string): Promise<string[]> {
  const rows = await queryText(
    client,
    `SELECT DISTINCT virtualtransaction AS writer FROM pg_locks
      WHERE locktype = 'relation' AND relation = $1::regclass
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        AND pid IS DISTINCT FROM pg_backend_pid()
      ORDER BY 1`,
    [from],
  );
  return rows.map((row) => String(row.writer));
}
