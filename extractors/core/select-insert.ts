import type { ClickHouseClient } from '@clickhouse/client';
import { describeError, RuntimeFailure } from './errors.js';
import type { Batch } from './source.js';
import { qualified, quoteIdentifier, quoteString, splitTable } from './sql-names.js';

/**
 * `INSERT … SELECT` batches: ClickHouse reads the source itself (e.g. PostgreSQL through
 * postgresql()). A batch's precondition must hold before any of its rows is visible.
 *
 * On a single server (`staged`) the rows go into a staging copy of the table while the
 * precondition runs, and move in with ATTACH PARTITION … FROM (metadata only: the parts are
 * hard-linked) once both succeeded; otherwise the copy is dropped and the table never shows
 * them. So a check as long as the read itself costs no time. On a cluster the table is a
 * Distributed one, whose copy would write to the shards: there the precondition runs first.
 */

export interface SelectInsert {
  /** `db.table` the rows are for. */
  table: string;
  /** The insert column list: the stream's, then the meta columns. */
  columns: readonly string[];
  batch: Extract<Batch<unknown>, { kind: 'select' }>;
  /** The meta columns' values as SQL constants, in `columns` order. */
  meta: string;
  version: bigint;
  staged: boolean;
}

/** Staging copies are named `<table>__incoming_<version>`; nothing reads them. */
const STAGING_SUFFIX = '__incoming_';

/** Runs the insert; returns the rows it wrote. */
export async function insertSelect(
  client: ClickHouseClient,
  insert: SelectInsert,
): Promise<number> {
  const { batch } = insert;
  if (batch.precondition && insert.staged) {
    return insertStaged(client, insert, batch.precondition);
  }
  await batch.precondition?.();
  try {
    await client.command({
      query: insertQuery(insert.table, insert),
      clickhouse_settings: batch.settings,
    });
    // Counted in the table (a key-range read): chdb reports no row counts for INSERT … SELECT.
    return await count(
      client,
      `${qualified(insert.table)} WHERE (${batch.keyRange}) AND _version = ${insert.version}`,
    );
  } catch (error) {
    throw failed(insert.table, error);
  }
}

async function insertStaged(
  client: ClickHouseClient,
  insert: SelectInsert,
  precondition: () => Promise<void>,
): Promise<number> {
  const staging = `${insert.table}${STAGING_SUFFIX}${insert.version}`;
  const { database, name } = splitTable(staging);
  await Promise.all([
    dropLeftovers(client, insert.table, staging),
    client.command({
      query: `CREATE TABLE ${qualified(staging)} AS ${qualified(insert.table)}`,
    }),
  ]);
  try {
    const [checked, inserted] = await Promise.allSettled([
      precondition(),
      client.command({
        query: insertQuery(staging, insert),
        clickhouse_settings: insert.batch.settings,
      }),
    ]);
    // The precondition's error is the one to report: the insert may fail for the same cause.
    if (checked.status === 'rejected') throw checked.reason;
    if (inserted.status === 'rejected') throw failed(insert.table, inserted.reason);
    // The copy's partitions and its rows in one read: its parts hold exactly what the insert
    // wrote (nothing else writes to it, and a merge keeps a part's rows until FINAL).
    const parts = await client.query({
      query: `SELECT partition_id, toString(sum(rows)) AS n FROM system.parts WHERE database = ${quoteString(database)} AND table = ${quoteString(name)} AND active GROUP BY partition_id`,
      format: 'JSONEachRow',
    });
    let rows = 0;
    for (const { partition_id: id, n } of await parts.json<{ partition_id: string; n: string }>()) {
      await client.command({
        query: `ALTER TABLE ${qualified(insert.table)} ATTACH PARTITION ID ${quoteString(id)} FROM ${qualified(staging)}`,
      });
      rows += Number(n);
    }
    return rows;
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${qualified(staging)} SYNC` });
  }
}

/** Copies a crashed run of this table left behind (the DAG runs one load of a table at once),
 *  all but this run's own `staging`, which is being made at the same time. */
async function dropLeftovers(
  client: ClickHouseClient,
  table: string,
  staging: string,
): Promise<void> {
  const { database, name } = splitTable(table);
  const result = await client.query({
    query: `SELECT name FROM system.tables WHERE database = ${quoteString(database)} AND startsWith(name, ${quoteString(`${name}${STAGING_SUFFIX}`)}) AND name != ${quoteString(splitTable(staging).name)}`,
    format: 'JSONEachRow',
  });
  for (const { name: leftover } of await result.json<{ name: string }>()) {
    await client.command({
      query: `DROP TABLE IF EXISTS ${qualified(`${database}.${leftover}`)} SYNC`,
    });
  }
}

function insertQuery(into: string, insert: SelectInsert): string {
  return (
    `INSERT INTO ${qualified(into)} (${insert.columns.map(quoteIdentifier).join(', ')}) ` +
    `SELECT *, ${insert.meta} FROM (${insert.batch.select})`
  );
}

async function count(client: ClickHouseClient, from: string): Promise<number> {
  const result = await client.query({
    query: `SELECT toString(count()) AS n FROM ${from}`,
    format: 'JSONEachRow',
  });
  const [counted] = await result.json<{ n: string }>();
  return Number(counted?.n ?? 0);
}

function failed(table: string, error: unknown): RuntimeFailure {
  return new RuntimeFailure(`INSERT … SELECT into ${table} failed: ${describeError(error)}`, {
    cause: error,
  });
}
