import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { rawInsertFor } from './clickhouse-client.js';
import { RuntimeFailure } from './errors.js';
import type { Logger } from './logger.js';
import type { AnyStream, Batch } from './source.js';

/**
 * Writes stream batches into ClickHouse. Tables are `ReplacingMergeTree(_version)` ordered by the
 * stream's natural key, so writing a row again (retry, crash, backfill) converges to one row per
 * key. Every row gets `_version` (monotonic load time in µs), `_loaded_at` and `_run_id`, added
 * in SQL through `input()` so sources do not carry them. Databases and tables are created when
 * missing; columns a stream declares later are added; nothing is ever dropped or retyped.
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

/** Encoded batches carry ISO timestamps (PostgreSQL COPY, our meta columns): the strict parser
 *  is markedly faster than the client's default best_effort. */
const ENCODED_INSERT_SETTINGS = { date_time_input_format: 'basic' } as const;

export interface WriteMeta {
  version: bigint;
  loadedAt: Date;
  runId: string;
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function splitTable(table: string): { database: string; name: string } {
  const [database, name, ...rest] = table.split('.');
  if (!database || !name || rest.length > 0) {
    throw new Error(`table "${table}" must be written as database.table`);
  }
  return { database, name };
}

export function qualified(table: string): string {
  const { database, name } = splitTable(table);
  return `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
}

export function createTableSql(stream: AnyStream<unknown>): string {
  const columns = { ...stream.columns, ...META_COLUMNS };
  const definitions = Object.entries(columns).map(
    ([name, type]) => `  ${quoteIdentifier(name)} ${type}`,
  );
  definitions.push(`  INDEX ${LOADED_AT_INDEX.name} ${LOADED_AT_INDEX.definition}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(stream.table)} (`,
    definitions.join(',\n'),
    ')',
    'ENGINE = ReplacingMergeTree(_version)',
    stream.partitionBy ? `PARTITION BY ${stream.partitionBy}` : undefined,
    `ORDER BY (${stream.key.map(quoteIdentifier).join(', ')})`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
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

  constructor(
    private readonly client: ClickHouseClient,
    private readonly log: Logger,
  ) {}

  /** Creates the database and table if missing and adds declared columns and the `_loaded_at`
   *  index the table lacks. */
  async ensureTable(stream: AnyStream<unknown>): Promise<void> {
    if (this.ready.has(stream.table)) return;
    const { database, name } = splitTable(stream.table);
    await this.client.command({
      query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`,
    });
    await this.client.command({ query: createTableSql(stream) });
    const existing = await this.client.query({
      query: `SELECT name, type FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(name)}`,
      format: 'JSONEachRow',
    });
    const types = new Map(
      (await existing.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]),
    );
    for (const [column, type] of Object.entries({ ...stream.columns, ...META_COLUMNS })) {
      const current = types.get(column);
      if (current === undefined) {
        this.log.info(`adding column ${column} ${type} to ${stream.table}`, {
          stream: stream.name,
        });
        await this.client.command({
          query: `ALTER TABLE ${qualified(stream.table)} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column)} ${type}`,
        });
      } else if (normaliseType(current) !== normaliseType(type)) {
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

  /** Tables made before the index existed get it, and their parts are indexed too (a
   *  mutation that only writes index files; no row is rewritten or dropped). */
  private async ensureLoadedAtIndex(stream: AnyStream<unknown>): Promise<void> {
    const { database, name } = splitTable(stream.table);
    const present = await this.client.query({
      query: `SELECT name FROM system.data_skipping_indices WHERE database = ${quoteString(database)} AND table = ${quoteString(name)} AND name = ${quoteString(LOADED_AT_INDEX.name)}`,
      format: 'JSONEachRow',
    });
    if ((await present.json()).length > 0) return;
    this.log.info(`adding index ${LOADED_AT_INDEX.name} to ${stream.table}`, {
      stream: stream.name,
    });
    const table = qualified(stream.table);
    const index = quoteIdentifier(LOADED_AT_INDEX.name);
    await this.client.command({
      query: `ALTER TABLE ${table} ADD INDEX IF NOT EXISTS ${index} ${LOADED_AT_INDEX.definition}`,
    });
    await this.client.command({ query: `ALTER TABLE ${table} MATERIALIZE INDEX ${index}` });
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
    const columns = tableColumns(stream);
    const loadedAt = clickHouseTime(meta.loadedAt);
    const version = meta.version.toString();
    const metaFields = `\t${version}\t${loadedAt}\t${escapeTabSeparated(meta.runId)}`;
    // The meta columns travel in the data itself: plain `INSERT … FORMAT` works the same on a
    // server and on chdb (which does not feed inline data to `INSERT … SELECT … FROM input()`).
    try {
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
        const bytes = Buffer.from(appendToLines(batch.data, metaFields));
        const rawInsert = rawInsertFor(this.client);
        if (rawInsert) {
          await rawInsert({
            table: stream.table,
            columns,
            format: batch.format,
            values: bytes,
            settings: ENCODED_INSERT_SETTINGS,
          });
        } else {
          await this.client.insert({
            table: stream.table,
            columns,
            format: batch.format,
            // A byte stream (not object mode) passes through the client unchanged.
            values: Readable.from([bytes], { objectMode: false }),
            clickhouse_settings: ENCODED_INSERT_SETTINGS,
          });
        }
      }
    } catch (error) {
      throw new RuntimeFailure(
        `insert of ${rowCount} rows into ${stream.table} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return rowCount;
  }

  /** `INSERT … SELECT` run by ClickHouse; returns the rows it wrote. */
  private async insertSelect(
    stream: AnyStream<unknown>,
    batch: Extract<Batch<unknown>, { kind: 'select' }>,
    meta: WriteMeta,
  ): Promise<number> {
    const columns = tableColumns(stream);
    const loadedAt = clickHouseTime(meta.loadedAt);
    try {
      await this.client.command({
        query:
          `INSERT INTO ${qualified(stream.table)} (${columns.map(quoteIdentifier).join(', ')}) ` +
          `SELECT *, toUInt64(${meta.version}), toDateTime64(${quoteString(loadedAt)}, 3, 'UTC'), ` +
          `${quoteString(meta.runId)} FROM (${batch.select})`,
      });
      // Counted in the table (a key-range read): chdb reports no row counts for INSERT … SELECT.
      const result = await this.client.query({
        query: `SELECT toString(count()) AS n FROM ${qualified(stream.table)} WHERE (${batch.keyRange}) AND _version = ${meta.version}`,
        format: 'JSONEachRow',
      });
      const [counted] = await result.json<{ n: string }>();
      return Number(counted?.n ?? 0);
    } catch (error) {
      throw new RuntimeFailure(
        `INSERT … SELECT into ${stream.table} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

/** The stream's columns then the meta columns: the insert column list (never empty). */
function tableColumns(stream: AnyStream<unknown>): [string, ...string[]] {
  return [...Object.keys(stream.columns), ...Object.keys(META_COLUMNS)] as [string, ...string[]];
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

function normaliseType(type: string): string {
  return type.replace(/\s+/g, '').replace(/"/g, "'");
}
