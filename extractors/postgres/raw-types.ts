import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';
import { tableLayoutFor } from '../core/cluster.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { quoteIdentifier, sameColumnType, tableColumnTypes } from '../core/writer.js';
import { type Columns, sourceColumns } from './columns.js';
import { type SourceColumn, sourceColumnTypes } from './source-types.js';

/**
 * Keeps a raw table able to hold every value of its source: before a stream reads, each raw
 * column becomes the narrowest type that holds both what it holds now and what the source
 * column can hold (`widen`), e.g. Decimal(12, 2) and numeric(20,4) → Decimal(20, 4), Int64 and a
 * nullable integer → Nullable(Int64). Widening is exact (ClickHouse converts every stored value),
 * so no digit is lost; a raw column is never narrowed, so rows loaded before keep their values.
 */

interface Parsed {
  nullable: boolean;
  inner: string;
  decimal?: { precision: number; scale: number };
}

function parse(type: string): Parsed {
  const compact = type.replace(/\s+/g, '').replace(/"/g, "'");
  const nullable = /^Nullable\((.*)\)$/.exec(compact);
  const inner = nullable ? (nullable[1] as string) : compact;
  const decimal = /^Decimal\((\d+),(\d+)\)$/.exec(inner);
  return {
    nullable: nullable !== null,
    inner,
    ...(decimal && { decimal: { precision: Number(decimal[1]), scale: Number(decimal[2]) } }),
  };
}

/** The narrowest type holding every value of `a` and of `b`, or undefined when none does. */
export function widen(a: string, b: string): string | undefined {
  const x = parse(a);
  const y = parse(b);
  let inner: string;
  if (x.decimal && y.decimal) {
    const scale = Math.max(x.decimal.scale, y.decimal.scale);
    const integer = Math.max(
      x.decimal.precision - x.decimal.scale,
      y.decimal.precision - y.decimal.scale,
    );
    if (integer + scale > 76) return undefined;
    inner = `Decimal(${integer + scale}, ${scale})`;
  } else if (x.inner === y.inner) {
    inner = x.decimal ? `Decimal(${x.decimal.precision}, ${x.decimal.scale})` : x.inner;
  } else {
    return undefined;
  }
  inner = inner.replace(/^DateTime64\((\d+),'(.*)'\)$/, "DateTime64($1, '$2')");
  return x.nullable || y.nullable ? `Nullable(${inner})` : inner;
}

/** Whether a raw column of type `current` holds every value of `declared`: what it is after
 *  `evolveRawTable` widened it. The raw streams' `holdsDeclared`, so a widened table needs no
 *  DDL and gets no warning at the next run. */
export function holdsType(current: string, declared: string): boolean {
  const both = widen(current, declared);
  return both !== undefined && sameColumnType(both, current);
}

/**
 * Widens the raw table's columns to hold the declared type (what the extractor writes through
 * every path) and the source's type (every value PostgreSQL may send). Returns each source
 * column's type in ClickHouse after that. ConfigError when the kinds differ (text in PostgreSQL,
 * Decimal in ClickHouse…): no type holds both, and guessing would alter values.
 */
export async function evolveRawTable(
  clickhouse: ClickHouseClient,
  table: string,
  declared: Columns,
  source: readonly SourceColumn[],
  log: Logger,
  /** The raw table's types now (`tableColumnTypes`). */
  current: ReadonlyMap<string, string>,
): Promise<Record<string, string>> {
  const types: Record<string, string> = {};
  for (const column of source) {
    const now = current.get(column.name) ?? (declared[column.name] as string);
    const base = widen(now, declared[column.name] as string);
    const target = base && widen(base, column.clickhouse);
    if (target === undefined) {
      throw new ConfigError(
        `column ${column.name} is ${column.pgType} in PostgreSQL but ${now} in ${table}; no ClickHouse type holds both (migrate the raw table by hand)`,
      );
    }
    if (!sameColumnType(target, now)) {
      log.info(
        `widening ${table}.${column.name} from ${now} to ${target} (PostgreSQL: ${column.pgType})`,
        { event: 'column_widened', column: column.name, from: now, to: target },
      );
      // Waits for the rewrite of existing parts: the next insert sees the wide type everywhere.
      // On a cluster: the replicated local tables, then the Distributed table (cluster.ts).
      const clause = `MODIFY COLUMN ${quoteIdentifier(column.name)} ${target}`;
      for (const query of tableLayoutFor(clickhouse).alterColumns(table, clause)) {
        await clickhouse.command({
          query,
          clickhouse_settings: { mutations_sync: '2', alter_sync: '2' },
        });
      }
    }
    types[column.name] = target;
  }
  return types;
}

/**
 * A stream's start: the source's catalog types and the raw table's types, read from both
 * databases at once, then the raw table widened to hold the source (`evolveRawTable`).
 * Returns the source columns and each one's type in ClickHouse.
 */
export async function evolveFromSource(
  client: pg.Client,
  clickhouse: ClickHouseClient,
  target: { schema: string; name: string; table: string; columns: Columns },
  log: Logger,
): Promise<{ source: SourceColumn[]; types: Record<string, string> }> {
  const { schema, name, table, columns } = target;
  const [source, current] = await Promise.all([
    sourceColumnTypes(client, schema, name, sourceColumns(columns)),
    tableColumnTypes(clickhouse, table),
  ]);
  const types = await evolveRawTable(clickhouse, table, columns, source, log, current);
  return { source, types };
}
