import type pg from 'pg';
import { ConfigError } from '../core/errors.js';
import { queryText, quoteIdent } from './client.js';
import type { SourceColumn } from './source-types.js';

/**
 * The one rule every transfer path obeys (COPY, ClickHouse's own pull, snapshot rows,
 * reconciliation rows): before rows are written, PostgreSQL itself is asked for the first row
 * in the range whose value ClickHouse cannot hold exactly (see source-types.ts). One is enough
 * to fail the stream before anything of that range is written, so the state does not move and
 * what is loaded stays. Exit 2, not 1: retrying cannot help; the value (or the column's type)
 * must change, and ClickHouse clamping 9999-12-31 to 2299-12-31 would be a silent lie.
 */
export async function assertRepresentable(
  client: pg.Client,
  from: string,
  table: string,
  columns: readonly SourceColumn[],
  where: string,
): Promise<void> {
  const checked = columns.filter((column) => column.unrepresentable !== null);
  if (checked.length === 0) return;
  const rejected = `(${where}) AND (${checked.map((column) => `(${column.unrepresentable})`).join(' OR ')})`;
  // Whether any row fails, then (rarely) which one first. `ORDER BY id LIMIT 1` alone makes the
  // planner walk the primary key over the whole range (measured at 1 M rows: 265 ms); a count
  // lets it choose a (parallel) sequential scan for a large range (75 ms) and the index for a
  // small one (3 ms). The CPU saved is the pull's: the check runs alongside it.
  const [found] = await queryText(client, `SELECT count(*) AS n FROM ${from} WHERE ${rejected}`);
  if (found?.n === '0') return;
  const flags = checked.map(
    (column, i) => `coalesce((${column.unrepresentable}), false)::text AS b${i}`,
  );
  const values = checked.map((column, i) => `${quoteIdent(column.name)}::text AS v${i}`);
  const [row] = await queryText(
    client,
    `SELECT id::text AS key, ${[...flags, ...values].join(', ')} FROM ${from}
      WHERE ${rejected} ORDER BY id LIMIT 1`,
  );
  if (!row) return;
  const index = checked.findIndex((_, i) => row[`b${i}`] === 'true');
  const column = checked[Math.max(index, 0)] as SourceColumn;
  const value = row[`v${Math.max(index, 0)}`] ?? null;
  throw new ConfigError(
    `${unrepresentable(table, column, value, row.key ?? null)}. ` +
      'Nothing of this range was written; correct the value in PostgreSQL (or exclude the row) and run again',
  );
}

/**
 * The same rule for rows CDC mode decoded from the replication stream (PostgreSQL's text): the
 * first value ClickHouse cannot hold fails the batch before any of it is written, so the slot's
 * position does not move. The change stays in the slot, so correcting the value in PostgreSQL is
 * not enough: the fix is a new snapshot.
 */
export function assertChangesRepresentable(
  table: string,
  columns: readonly SourceColumn[],
  rows: ReadonlyArray<{ readonly values: Readonly<Record<string, string | null | undefined>> }>,
): void {
  const checked = columns.filter((column) => column.rejectsText !== null);
  for (const row of rows) {
    for (const column of checked) {
      const value = row.values[column.name];
      if (value === null || value === undefined || !column.rejectsText?.(value)) continue;
      throw new ConfigError(
        `${unrepresentable(table, column, value, row.values.id ?? null)}. ` +
          'Nothing of this batch was written and the slot did not move past it. The change stays in the slot: correct the value in PostgreSQL, ' +
          'then take a new snapshot (extract postgres --cdc-slot drop, then --cdc-slot create)',
      );
    }
  }
}

function unrepresentable(
  table: string,
  column: SourceColumn,
  value: string | null,
  key: string | null,
): string {
  return (
    `${table}.${column.name} = ${value === null ? 'NULL' : `'${value}'`} (id ${key ?? 'NULL'}) cannot be represented in ClickHouse: ` +
    `the column is ${column.pgType} in PostgreSQL and ClickHouse holds ${column.holds}`
  );
}
