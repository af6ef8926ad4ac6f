import type { AnyStream } from '../../core/source.js';
import { type Columns, sourceColumns } from '../columns.js';
import type { PgSession } from '../session.js';
import type { SourceColumn } from '../source-types.js';

/**
 * The tables CDC mode keeps: the watermark mode's own stream definitions (same raw tables, same
 * columns, same DDL), so dbt sees one shape whichever mode loaded them.
 */
export interface CdcTable {
  /** The PostgreSQL table (and stream) name: advertiser, campaign, impressions, clicks. */
  readonly name: string;
  /** `raw.postgres_<name>`. */
  readonly table: string;
  readonly columns: Columns;
  /** The columns PostgreSQL has (all but `_deleted`), in table order. */
  readonly source: readonly string[];
  /** The stream definition, for the writer's DDL and encoded inserts. */
  readonly stream: AnyStream<PgSession>;
  /** The source's column types as its catalog declares them: empty until `checkTables`
   *  (preflight.ts) has read them, and nothing is written before it has. */
  readonly types: readonly SourceColumn[];
}

export function cdcTables(streams: readonly AnyStream<PgSession>[]): CdcTable[] {
  return streams.map((stream) => ({
    name: stream.name,
    table: stream.table,
    columns: stream.columns,
    source: sourceColumns(stream.columns),
    stream,
    types: [],
  }));
}

/** The key every raw table of this source is ordered by. */
export const KEY = 'id';
