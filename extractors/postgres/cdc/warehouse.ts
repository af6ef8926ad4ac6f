import type { ClickHouseClient } from '@clickhouse/client';
import { describeError, RuntimeFailure } from '../../core/errors.js';
import { qualified, quoteIdentifier, quoteString } from '../../core/writer.js';
import type { PendingRow, Value } from './changes.js';
import { type CdcTable, KEY } from './tables.js';

/**
 * CDC mode's writes into the raw tables: rows with their own `_version` (one insert may carry
 * many versions, unlike the runner's batches), tombstones of a truncated table, and the last
 * known values a DELETE or an UPDATE did not carry.
 */

export interface WriteContext {
  clickhouse: ClickHouseClient;
  runId: string;
}

/** JSON output where 64-bit integers and decimals keep every digit. */
const EXACT_JSON = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 1,
  output_format_decimal_trailing_zeros: 1,
} as const;

/** Written with every row, after the source columns. */
const META = ['_deleted', '_version', '_loaded_at', '_run_id'];

/** Ids per `IN (…)` lookup. */
const LOOKUP_SLICE = 10_000;

/**
 * Writes `rows` into `table`, first filling the values they lack from ClickHouse. A tombstone of
 * a row ClickHouse never held is dropped (nothing to hide); any other row still lacking a value
 * fails the run rather than write a made-up one. Returns the rows written.
 */
export async function writeRows(
  context: WriteContext,
  table: CdcTable,
  rows: PendingRow[],
): Promise<number> {
  const incomplete = rows.filter((row) => row.missing.length > 0);
  if (incomplete.length > 0) await fillMissing(context.clickhouse, table, incomplete);
  const complete = rows.filter((row) => {
    if (row.missing.length === 0) return true;
    if (row.deleted === 1) return false;
    throw new RuntimeFailure(
      `${table.name} id ${row.values[KEY]}: PostgreSQL sent no value for ${row.missing.join(', ')} (unchanged TOAST) and ClickHouse holds no earlier row to take it from; set REPLICA IDENTITY FULL on the table`,
    );
  });
  if (complete.length === 0) return 0;
  const loadedAt = new Date().toISOString().replace('T', ' ').replace('Z', '');
  try {
    await context.clickhouse.insert({
      table: table.table,
      columns: [KEY, ...table.source.filter((c) => c !== KEY), ...META],
      format: 'JSONEachRow',
      values: complete.map((row) => ({
        ...row.values,
        _deleted: row.deleted,
        _version: row.version.toString(),
        _loaded_at: loadedAt,
        _run_id: context.runId,
      })),
    });
  } catch (error) {
    throw new RuntimeFailure(
      `insert of ${complete.length} changes into ${table.table} failed: ${describeError(error)}`,
      { cause: error },
    );
  }
  return complete.length;
}

/** Fills each row's missing values from the row ClickHouse holds for its id (FINAL: the last
 *  version written, which is the state just before this change). */
async function fillMissing(
  clickhouse: ClickHouseClient,
  table: CdcTable,
  rows: PendingRow[],
): Promise<void> {
  const byId = new Map(rows.map((row) => [row.values[KEY] as string, row]));
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += LOOKUP_SLICE) {
    const slice = ids.slice(i, i + LOOKUP_SLICE);
    const result = await clickhouse.query({
      query: `SELECT ${table.source.map(quoteIdentifier).join(', ')} FROM ${qualified(table.table)} FINAL WHERE ${quoteIdentifier(KEY)} IN (${slice.map(quoteString).join(', ')})`,
      format: 'JSONEachRow',
      clickhouse_settings: EXACT_JSON,
    });
    for (const known of await result.json<Record<string, Value>>()) {
      const row = byId.get(String(known[KEY]));
      if (!row) continue;
      for (const column of row.missing) row.values[column] = known[column] ?? null;
      row.missing = [];
    }
  }
}

/**
 * Tombstones (`_deleted = 1`, last known values, version `version`) for every live row of
 * `table` whose version is below `version`: what a TRUNCATE at that version removed, or, after
 * the initial snapshot, what ClickHouse holds that the snapshot did not have. Rows written at or
 * above `version` (the snapshot itself, later transactions replayed after a crash) are left
 * alone, so running it twice writes the same tombstones.
 */
export async function tombstoneBelow(
  context: WriteContext,
  table: CdcTable,
  version: bigint,
): Promise<void> {
  const columns = table.source.map(quoteIdentifier).join(', ');
  const loadedAt = quoteString(new Date().toISOString().replace('T', ' ').replace('Z', ''));
  try {
    await context.clickhouse.command({
      query:
        `INSERT INTO ${qualified(table.table)} (${columns}, _deleted, _version, _loaded_at, _run_id) ` +
        `SELECT ${columns}, toUInt8(1), toUInt64(${version}), toDateTime64(${loadedAt}, 3, 'UTC'), ${quoteString(context.runId)} ` +
        `FROM ${qualified(table.table)} FINAL WHERE _deleted = 0 AND _version < ${version}`,
    });
  } catch (error) {
    throw new RuntimeFailure(
      `writing tombstones into ${table.table} failed: ${describeError(error)}`,
      { cause: error },
    );
  }
}
