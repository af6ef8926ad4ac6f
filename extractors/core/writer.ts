import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { type RawInsert, rawInsertFor } from './clickhouse-client.js';
import { type ReplacingTable, SINGLE_NODE, type TableLayout, tableLayoutFor } from './cluster.js';
import { describeError, RuntimeFailure } from './errors.js';
import type { Logger } from './logger.js';
import { insertSelect } from './select-insert.js';
import type { AnyStream, Batch } from './source.js';
import { qualified, quoteIdentifier, quoteString, splitTable } from './sql-names.js';

export { qualified, quoteIdentifier, quoteString, splitTable };

/**
 * Writes stream batches into ClickHouse. Tables are `ReplacingMergeTree(_version)` ordered by the
 * stream's natural key, so writing a row again (retry, crash, backfill) converges to one row per
 * key. Every row gets `_version` (monotonic load time in µs), `_loaded_at` and `_run_id`, added
 * here (see `insert`) so sources do not carry them. Databases and tables are created when
 * missing; columns a stream declares later are added; nothing is ever dropped or retyped.
 * With `CLICKHOUSE_CLUSTER` the same tables are replicated local tables with a Distributed table
 * under the stream's name (cluster.ts); every CREATE and ALTER goes through that layout.
 */

export const META_COLUMNS = {
  _version: 'UInt64',
  _loaded_at: "DateTime64(3, 'UTC')",
  _run_id: 'String',
} as const;

/**
 * A minmax skip index on `_loaded_at`: readers that ask for rows loaded since some time (dbt's
 * incremental models) skip every granule loaded before it instead of reading the whole table.
 */
export const LOADED_AT_INDEX = {
  name: '_loaded_at_minmax',
  definition: '_loaded_at TYPE minmax GRANULARITY 1',
} as const;

/** Where the embedded engine stages encoded batches (see `insertStaged`). */
const STAGE_DATABASE = '_extract_stage';

/** Encoded batches carry ISO timestamps (PostgreSQL COPY, our meta columns): the strict parser
 *  is markedly faster than the client's default best_effort. */
const ENCODED_INSERT_SETTINGS = { date_time_input_format: 'basic' } as const;

export interface WriteMeta {
  version: bigint;
  loadedAt: Date;
  runId: string;
}

/** The stream's table as the layouts build it (cluster.ts): its columns, the meta columns and the
 *  `_loaded_at` index, ReplacingMergeTree(_version) ordered by the stream's key. */
export function streamTable(stream: AnyStream<unknown>): ReplacingTable {
  const columns = { ...stream.columns, ...META_COLUMNS };
  return {
    table: stream.table,
    columns: Object.entries(columns).map(([name, type]) => `  ${quoteIdentifier(name)} ${type}`),
    indexes: [`  INDEX ${LOADED_AT_INDEX.name} ${LOADED_AT_INDEX.definition}`],
    version: '_version',
    orderBy: stream.key.map(quoteIdentifier),
    ...(stream.partitionBy && { partitionBy: stream.partitionBy }),
  };
}

/** The CREATE statements of the stream's table in `layout` (one on a single server). */
export function createTableStatements(
  stream: AnyStream<unknown>,
  layout: TableLayout = SINGLE_NODE,
): string[] {
  return layout.createTable(streamTable(stream));
}

/** The single-server CREATE TABLE (tests and the demo make raw tables with it). */
export function createTableSql(stream: AnyStream<unknown>): string {
  return SINGLE_NODE.createTable(streamTable(stream)).join(';\n');
}

/** The ALTER clause that adds a column a table lacks (never retypes one that exists). */
export function addColumnClause(column: string, type: string): string {
  return `ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column)} ${type}`;
}

/** `_version` values: the load time in µs, strictly increasing within a process. */
export class VersionClock {
  private last = 0n;
  constructor(private readonly nowMs: () => number = Date.now) {}
  next(): bigint {
    const candidate = BigInt(Math.floor(this.nowMs() * 1000));
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last;
  }
}

export class ClickHouseWriter {
  private readonly ready = new Set<string>();
  private readonly staged = new Set<string>();
  /** Column types of the tables of `columnsFromData` streams, as the table has them now. */
  private readonly dataColumns = new Map<string, Map<string, string>>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly log: Logger,
    /** Single server, or replicated and distributed tables on a cluster (cluster.ts). */
    private readonly layout: TableLayout = tableLayoutFor(client),
  ) {}

  private async run(statements: readonly string[]): Promise<void> {
    for (const query of statements) await this.client.command({ query });
  }

  /** Creates the database and table if missing and adds declared columns and the `_loaded_at`
   *  index the table lacks. */
  async ensureTable(stream: AnyStream<unknown>): Promise<void> {
    if (this.ready.has(stream.table)) return;
    const found = await this.tableAsDeclared(stream);
    if (found === 'as declared') {
      this.ready.add(stream.table);
      return;
    }
    const { database } = splitTable(stream.table);
    await this.client.command({ query: this.layout.createDatabase(database) });
    await this.run(createTableStatements(stream, this.layout));
    if (found === 'missing') {
      // Just created from the declaration: nothing to add. (Had another run created it in
      // between, the next run finds what differs.)
      this.ready.add(stream.table);
      return;
    }
    const types = await tableColumnTypes(this.client, stream.table);
    for (const [column, type] of Object.entries({ ...stream.columns, ...META_COLUMNS })) {
      const current = types.get(column);
      if (current === undefined) {
        this.log.info(`adding column ${column} ${type} to ${stream.table}`, {
          stream: stream.name,
        });
        await this.run(this.layout.alterColumns(stream.table, addColumnClause(column, type)));
      } else if (!isDeclared(stream, current, type)) {
        // Retyping could lose data; leave it to a migration and say so.
        this.log.warn(
          `column ${column} of ${stream.table} is ${current}, stream declares ${type}`,
          {
            stream: stream.name,
          },
        );
      }
    }
    await this.ensureLoadedAtIndex(stream);
    this.ready.add(stream.table);
  }

  /**
   * The common run: the table exists with every declared column, in the declared type, and the
   * `_loaded_at` index. One query tells, instead of the four round trips of the DDL path (each
   * a few ms on a server: most of an incremental run's fixed cost). A column the stream widened
   * on purpose counts as declared (`holdsDeclared`). Anything else (missing table, column or
   * index, a column of another type, whose warning the DDL path gives) takes the DDL path. On
   * a cluster the DDL path also runs ON CLUSTER; a replica added later gets its tables from the
   * replica set-up, not from an extractor run.
   */
  private async tableAsDeclared(
    stream: AnyStream<unknown>,
  ): Promise<'as declared' | 'missing' | 'differs'> {
    const { database, name } = splitTable(stream.table);
    const storage = splitTable(this.layout.storageTable(stream.table));
    const result = await this.client.query({
      query:
        `SELECT name, type, (SELECT count() FROM system.data_skipping_indices WHERE database = ${quoteString(storage.database)} ` +
        `AND table = ${quoteString(storage.name)} AND name = ${quoteString(LOADED_AT_INDEX.name)}) AS indexed ` +
        `FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(name)}`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ name: string; type: string; indexed: string | number }>();
    if (rows.length === 0) return 'missing';
    if (Number(rows[0]?.indexed) === 0) return 'differs';
    const types = new Map(rows.map((row) => [row.name, row.type]));
    const declared = Object.entries({ ...stream.columns, ...META_COLUMNS });
    const same = declared.every(([column, type]) => {
      const current = types.get(column);
      return current !== undefined && isDeclared(stream, current, type);
    });
    return same ? 'as declared' : 'differs';
  }

  /**
   * A `columnsFromData` stream's batch (see `Batch.columns`): the table is created with the
   * stream's and the batch's columns at the first batch, columns it lacks are added (ADD COLUMN:
   * rows already loaded read the new column's default, NULL for the Nullable columns such
   * streams use), and a column whose type differs from the batch's stops the insert: retyping
   * could alter loaded values, and inserting into the old type could alter the new ones.
   */
  private async ensureBatchColumns(
    stream: AnyStream<unknown>,
    columns: Readonly<Record<string, string>>,
  ): Promise<void> {
    let types = this.dataColumns.get(stream.table);
    if (!types) {
      await this.ensureTable({ ...stream, columns: { ...stream.columns, ...columns } });
      types = await tableColumnTypes(this.client, stream.table);
      this.dataColumns.set(stream.table, types);
    }
    for (const [column, type] of Object.entries(columns)) {
      const current = types.get(column);
      if (current === undefined) {
        this.log.info(`adding column ${column} ${type} to ${stream.table}`, {
          stream: stream.name,
        });
        await this.run(this.layout.alterColumns(stream.table, addColumnClause(column, type)));
        types.set(column, type);
      } else if (!sameColumnType(current, type)) {
        throw new RuntimeFailure(
          `column ${column} of ${stream.table} is ${current}, the batch has ${type}; not retyped`,
        );
      }
    }
  }

  /** Tables made before the index existed get it, and their parts are indexed too (a
   *  mutation that only writes index files; no row is rewritten or dropped). */
  private async ensureLoadedAtIndex(stream: AnyStream<unknown>): Promise<void> {
    const { database, name } = splitTable(this.layout.storageTable(stream.table));
    const present = await this.client.query({
      query: `SELECT name FROM system.data_skipping_indices WHERE database = ${quoteString(database)} AND table = ${quoteString(name)} AND name = ${quoteString(LOADED_AT_INDEX.name)}`,
      format: 'JSONEachRow',
    });
    if ((await present.json()).length > 0) return;
    this.log.info(`adding index ${LOADED_AT_INDEX.name} to ${stream.table}`, {
      stream: stream.name,
    });
    const index = quoteIdentifier(LOADED_AT_INDEX.name);
    await this.run([
      ...this.layout.alterStorage(
        stream.table,
        `ADD INDEX IF NOT EXISTS ${index} ${LOADED_AT_INDEX.definition}`,
      ),
      ...this.layout.alterStorage(stream.table, `MATERIALIZE INDEX ${index}`),
    ]);
  }

  /** Inserts one batch with its meta columns. The caller bounds the batch size. */
  async insert(
    stream: AnyStream<unknown>,
    batch: Batch<unknown>,
    meta: WriteMeta,
  ): Promise<number> {
    if (batch.kind === 'select') return this.insertSelect(stream, batch, meta);
    const rowCount = batch.kind === 'rows' ? batch.rows.length : batch.rowCount;
    if (rowCount === 0) return 0;
    const batchColumns = batch.kind === 'rows' ? batch.columns : undefined;
    const columns = tableColumns(stream, batchColumns);
    const loadedAt = clickHouseTime(meta.loadedAt);
    const version = meta.version.toString();
    try {
      if (batchColumns) await this.ensureBatchColumns(stream, batchColumns);
      if (batch.kind === 'rows') {
        await this.client.insert({
          table: stream.table,
          columns,
          format: 'JSONEachRow',
          values: batch.rows.map((row) => ({
            ...(row as object),
            _version: version,
            _loaded_at: loadedAt,
            _run_id: meta.runId,
          })),
        });
      } else {
        const rawInsert = rawInsertFor(this.client);
        if (rawInsert) {
          await this.insertStaged(stream, batch, meta, rawInsert);
        } else {
          // On a server the meta columns travel in the data: plain `INSERT … FORMAT` streams
          // the bytes, and the server's cores parse them.
          const metaFields = `\t${version}\t${loadedAt}\t${escapeTabSeparated(meta.runId)}`;
          await this.client.insert({
            table: stream.table,
            columns,
            format: batch.format,
            // A byte stream (not object mode) passes through the client unchanged.
            values: Readable.from([Buffer.from(appendToLines(batch.data, metaFields))], {
              objectMode: false,
            }),
            clickhouse_settings: ENCODED_INSERT_SETTINGS,
          });
        }
      }
    } catch (error) {
      throw new RuntimeFailure(
        `insert of ${rowCount} rows into ${stream.table} failed: ${describeError(error)}`,
        { cause: error },
      );
    }
    return rowCount;
  }

  /**
   * Embedded engine: the bytes go as they are (source columns only) into an in-memory stage
   * table, and ClickHouse copies them on with the meta columns added as constants. Appending
   * and parsing three meta fields on every row cost more than that extra copy (measured: 1 M
   * rows in 1.5 s with them, 0.8 s staged). The stage is private to this process (one process
   * per embedded data folder) and emptied before each use, so the part of a failed batch that
   * reached it never reaches the table.
   */
  private async insertStaged(
    stream: AnyStream<unknown>,
    batch: Extract<Batch<unknown>, { kind: 'encoded' }>,
    meta: WriteMeta,
    rawInsert: RawInsert,
  ): Promise<void> {
    // chdb's raw insert stops reading its payload at the first blank line (0x0A 0x0A) without
    // an error, so rows after it would be lost silently. Our encoded batches never contain one
    // (PostgreSQL COPY escapes newlines and every row ends in a constant column); refuse one
    // rather than trust that.
    const blankLine = batch.data.indexOf('\n\n');
    if (blankLine >= 0 || batch.data.startsWith('\n')) {
      throw new RuntimeFailure(
        `encoded batch for ${stream.table} has a blank line at byte ${Math.max(blankLine, 0)}; the embedded engine's raw insert would drop the rows after it`,
      );
    }
    const stage = await this.ensureStage(stream);
    const source = Object.keys(stream.columns).map(quoteIdentifier).join(', ');
    await this.client.command({ query: `TRUNCATE TABLE ${qualified(stage)}` });
    await rawInsert({
      table: stage,
      columns: Object.keys(stream.columns),
      format: batch.format,
      values: Buffer.from(batch.data),
      settings: ENCODED_INSERT_SETTINGS,
    });
    await this.client.command({
      query:
        `INSERT INTO ${qualified(stream.table)} (${tableColumns(stream).map(quoteIdentifier).join(', ')}) ` +
        `SELECT ${source}, ${metaValues(meta)} FROM ${qualified(stage)}`,
    });
    await this.client.command({ query: `TRUNCATE TABLE ${qualified(stage)}` });
  }

  /** `_extract_stage.<database>__<table>` (out of sight of the warehouse's readers): the
   *  stream's columns, made afresh once per process so it follows the stream's columns. */
  private async ensureStage(stream: AnyStream<unknown>): Promise<string> {
    const { database, name } = splitTable(stream.table);
    const stage = `${STAGE_DATABASE}.${database}__${name}`;
    if (this.staged.has(stage)) return stage;
    await this.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${STAGE_DATABASE}` });
    const definitions = Object.entries(stream.columns).map(
      ([column, type]) => `${quoteIdentifier(column)} ${type}`,
    );
    await this.client.command({ query: `DROP TABLE IF EXISTS ${qualified(stage)}` });
    await this.client.command({
      query: `CREATE TABLE ${qualified(stage)} (${definitions.join(', ')}) ENGINE = Memory`,
    });
    this.staged.add(stage);
    return stage;
  }

  /** `INSERT … SELECT` run by ClickHouse (select-insert.ts); returns the rows it wrote. */
  private insertSelect(
    stream: AnyStream<unknown>,
    batch: Extract<Batch<unknown>, { kind: 'select' }>,
    meta: WriteMeta,
  ): Promise<number> {
    return insertSelect(this.client, {
      table: stream.table,
      columns: tableColumns(stream),
      batch,
      meta: metaValues(meta),
      version: meta.version,
      staged: this.layout.cluster === undefined,
    });
  }
}

/** A table's columns and their types as ClickHouse has them (empty when it does not exist). */
export async function tableColumnTypes(
  client: ClickHouseClient,
  table: string,
): Promise<Map<string, string>> {
  const { database, name } = splitTable(table);
  const result = await client.query({
    query: `SELECT name, type FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(name)}`,
    format: 'JSONEachRow',
  });
  return new Map(
    (await result.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]),
  );
}

/** The meta columns as SQL constants, in META_COLUMNS order. */
function metaValues(meta: WriteMeta): string {
  return (
    `toUInt64(${meta.version}), ` +
    `toDateTime64(${quoteString(clickHouseTime(meta.loadedAt))}, 3, 'UTC'), ${quoteString(meta.runId)}`
  );
}

/** The stream's columns (and a batch's own, see `Batch.columns`) then the meta columns: the
 *  insert column list (never empty). */
function tableColumns(
  stream: AnyStream<unknown>,
  batchColumns?: Readonly<Record<string, string>>,
): [string, ...string[]] {
  const source = Object.keys({ ...stream.columns, ...batchColumns });
  return [...source, ...Object.keys(META_COLUMNS)] as [string, ...string[]];
}

/** `YYYY-MM-DD hh:mm:ss.sss` in UTC, the text form every DateTime64 parser accepts. */
function clickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Appends `fields` to every line of TabSeparated text (one native replace, no row parsing). */
function appendToLines(text: string, fields: string): string {
  return text.replaceAll('\n', `${fields}\n`);
}

export function escapeTabSeparated(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** Whether two ClickHouse column types are the same type, however spaced or quoted. */
export function sameColumnType(a: string, b: string): boolean {
  return normaliseType(a) === normaliseType(b);
}

/** A stored column type the stream accepts for a declared one (`holdsDeclared`). */
function isDeclared(stream: AnyStream<unknown>, current: string, declared: string): boolean {
  return sameColumnType(current, declared) || stream.holdsDeclared?.(current, declared) === true;
}

function normaliseType(type: string): string {
  return type.replace(/\s+/g, '').replace(/"/g, "'");
}
