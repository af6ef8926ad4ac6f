import type pg from 'pg';
import { ConfigError } from '../../core/errors.js';
import { describeTarget, queryText, quoteIdent } from '../client.js';
import { sourceColumnTypes } from '../source-types.js';
import { type CdcTable, KEY } from './tables.js';

/**
 * What CDC mode needs from PostgreSQL, each checked before anything is read or written, each
 * failing with a ConfigError (exit 2) that says how to fix it.
 */

export interface SlotRow {
  slot_name: string;
  plugin: string | null;
  slot_type: string;
  database: string | null;
  active: string;
  active_pid: string | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  wal_status: string | null;
}

export async function checkWalLevel(client: pg.Client): Promise<void> {
  const [row] = await queryText(client, "SELECT current_setting('wal_level') AS level");
  if (row?.level !== 'logical') {
    throw new ConfigError(
      `CDC mode needs wal_level = logical; ${describeTarget(client)} has wal_level = ${row?.level ?? 'unknown'}. ` +
        'Fix: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL (managed services: enable logical replication in the parameter group, e.g. rds.logical_replication = 1)',
    );
  }
}

/** Every table exists with its columns and has a replica identity that includes `id`. Returns
 *  the tables with their column types (the value checks need them). */
export async function checkTables(
  client: pg.Client,
  schema: string,
  tables: readonly CdcTable[],
): Promise<CdcTable[]> {
  const checked: CdcTable[] = [];
  for (const table of tables) {
    // Exists, has the expected columns, and each has a type the raw tables can hold.
    const types = await sourceColumnTypes(client, schema, table.name, table.source);
    checked.push({ ...table, types });
    const qualified = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
    const [row] = await queryText(
      client,
      `SELECT c.relreplident AS identity,
              (SELECT string_agg(a.attname, ',' ORDER BY a.attname)
                 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                WHERE i.indrelid = c.oid
                  AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident))) AS columns
         FROM pg_class c WHERE c.oid = $1::regclass`,
      [qualified],
    );
    const fix = `Fix: ALTER TABLE ${qualified} ADD PRIMARY KEY (${KEY}); or ALTER TABLE ${qualified} REPLICA IDENTITY FULL`;
    const identity = row?.identity;
    if (identity === 'f') continue;
    const columns = (row?.columns ?? '').split(',').filter(Boolean);
    if (identity === 'n' || columns.length === 0) {
      const why =
        identity === 'n'
          ? 'REPLICA IDENTITY NOTHING'
          : identity === 'd'
            ? 'REPLICA IDENTITY DEFAULT but no primary key'
            : 'its replica identity index is missing';
      throw new ConfigError(
        `table ${schema}.${table.name} has no usable replica identity (${why}): PostgreSQL cannot tell CDC which row an UPDATE or DELETE changed. ${fix}`,
      );
    }
    if (!columns.includes(KEY)) {
      throw new ConfigError(
        `table ${schema}.${table.name}: its replica identity (${columns.join(', ')}) does not include ${KEY}, the raw table's key. ${fix}`,
      );
    }
  }
  return checked;
}

/** The publication exists, publishes every kind of change, and covers every table. */
export async function checkPublication(
  client: pg.Client,
  publication: string,
  schema: string,
  tables: readonly CdcTable[],
): Promise<void> {
  const [row] = await queryText(
    client,
    'SELECT pubinsert::text AS pubinsert, pubupdate::text AS pubupdate, pubdelete::text AS pubdelete, pubtruncate::text AS pubtruncate FROM pg_publication WHERE pubname = $1',
    [publication],
  );
  if (!row) {
    throw new ConfigError(
      `publication "${publication}" does not exist in ${describeTarget(client)}. Fix: extract postgres --cdc-slot create (creates it with the slot), or CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${tableList(schema, tables)}`,
    );
  }
  if ([row.pubinsert, row.pubupdate, row.pubdelete, row.pubtruncate].some((on) => on !== 'true')) {
    throw new ConfigError(
      `publication "${publication}" does not publish every change. Fix: ALTER PUBLICATION ${quoteIdent(publication)} SET (publish = 'insert, update, delete, truncate')`,
    );
  }
  const published = await queryText(
    client,
    'SELECT tablename FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2',
    [publication, schema],
  );
  const names = new Set(published.map((entry) => entry.tablename));
  const lacking = tables.filter((table) => !names.has(table.name));
  if (lacking.length > 0) {
    throw new ConfigError(
      `publication "${publication}" does not cover ${lacking.map((t) => `${schema}.${t.name}`).join(', ')}. Fix: ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${tableList(schema, lacking)}`,
    );
  }
}

export async function findSlot(client: pg.Client, slot: string): Promise<SlotRow | undefined> {
  const [row] = await queryText(
    client,
    `SELECT slot_name, plugin, slot_type, database, active::text AS active, active_pid,
            restart_lsn, confirmed_flush_lsn, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return row as SlotRow | undefined;
}

/** The slot exists, is ours to stream from, and still has its WAL. */
export async function checkSlot(client: pg.Client, slot: string): Promise<SlotRow> {
  const row = await findSlot(client, slot);
  if (!row) {
    throw new ConfigError(
      `replication slot "${slot}" does not exist in ${describeTarget(client)}. Fix: extract postgres --cdc-slot create (creates the slot and loads its initial snapshot)`,
    );
  }
  const [here] = await queryText(client, 'SELECT current_database() AS name');
  if (row.slot_type !== 'logical' || row.plugin !== 'pgoutput' || row.database !== here?.name) {
    throw new ConfigError(
      `replication slot "${slot}" is not a pgoutput logical slot of database ${here?.name} (type ${row.slot_type}, plugin ${row.plugin}, database ${row.database}). Fix: choose another --cdc-slot-name`,
    );
  }
  if (row.wal_status === 'lost') {
    throw new ConfigError(
      `replication slot "${slot}" was invalidated: PostgreSQL removed WAL it still needed (max_slot_wal_keep_size). Changes are lost to it. Fix: extract postgres --cdc-slot drop, then --cdc-slot create (a new snapshot)`,
    );
  }
  return row;
}

function tableList(schema: string, tables: readonly CdcTable[]): string {
  return tables.map((table) => `${quoteIdent(schema)}.${quoteIdent(table.name)}`).join(', ');
}
