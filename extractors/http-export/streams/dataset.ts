/**
 * One manifest dataset as a stream: table `<database>.<prefix><name>`, ordered by the dataset's
 * primary key, columns from the data (`columnsFromData`, see extractors/core/source.ts).
 *
 * - incremental: asks for rows at or above the stored watermark (`<watermark>__gte=`, or the
 *   manifest's `watermark_param`): inclusive, so rows sharing the last watermark value are read
 *   again rather than lost; the ReplacingMergeTree turns the second copy into the same row. The
 *   highest watermark seen is saved once every page of the run is written (pages need not come
 *   in watermark order), so a run that fails midway keeps the old one.
 * - full: reads every page, then writes a tombstone (`_deleted = 1`, key only) for each live row
 *   of the table the backend no longer served. Only after a complete read: a failed one deletes
 *   nothing. Holds the keys it read in memory (full datasets are the small ones).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigError } from '../../core/errors.js';
import type { Batch, StreamDefinition } from '../../core/source.js';
import { qualified, quoteIdentifier, tableColumnTypes } from '../../core/writer.js';
import { compareWatermarks } from '../columns.js';
import type { HttpExportConfig } from '../config.js';
import type { Dataset } from '../manifest.js';
import type { HttpExportSession } from '../session.js';
import { type Row, RowTyper } from './row-typer.js';

export interface DatasetState {
  /** Incremental datasets: the highest watermark value loaded, as the backend served it. */
  readonly watermark?: string | number;
}

export function datasetTable(config: HttpExportConfig, name: string): string {
  return `${config.database}.${config.tablePrefix}${name}`;
}

const keyOf = (row: Row, keys: readonly string[]) => JSON.stringify(keys.map((key) => row[key]));

export function datasetStream(
  config: HttpExportConfig,
  dataset: Dataset,
): StreamDefinition<HttpExportSession, DatasetState, Row> {
  const table = datasetTable(config, dataset.name);
  const keys = dataset.primary_key;
  return {
    name: dataset.name,
    table,
    key: keys,
    cursor: dataset.strategy === 'incremental' ? dataset.watermark : undefined,
    columns: { _deleted: 'UInt8' },
    columnsFromData: true,
    initialState: {},
    nextState(state: DatasetState, batch: Batch<Row>): DatasetState {
      return batch.kind === 'rows' && batch.cursor
        ? (JSON.parse(batch.cursor) as DatasetState)
        : state;
    },
    async *read({ session, state, clickhouse, log }) {
      const typer = new RowTyper(dataset, table, await tableColumnTypes(clickhouse, table));
      const query: Record<string, string> = { page_size: String(config.pageSize) };
      let highest = state.watermark;
      if (dataset.strategy === 'incremental' && highest !== undefined) {
        query[dataset.watermark_param ?? `${dataset.watermark}__gte`] = String(highest);
      }
      const seen = new Set<string>();
      for await (const page of session.client.pages(dataset.endpoint, query)) {
        const rows = page.rows.map((raw, index) => typer.row(raw, page.number, index));
        if (dataset.strategy === 'incremental') {
          highest = highestWatermark(dataset, page.rows, highest, page.number);
        } else {
          for (const row of rows) seen.add(keyOf(row, keys));
        }
        yield { kind: 'rows', rows, columns: typer.columns() };
      }
      if (dataset.strategy === 'incremental') {
        if (highest !== state.watermark) {
          log.info(`${dataset.name}: watermark ${dataset.watermark} now ${String(highest)}`);
          yield { kind: 'rows', rows: [], cursor: JSON.stringify({ watermark: highest }) };
        }
        return;
      }
      yield* tombstones(clickhouse, table, keys, seen, config.pageSize, typer.columns());
    },
  };
}

function highestWatermark(
  dataset: Extract<Dataset, { strategy: 'incremental' }>,
  rows: readonly Row[],
  highest: string | number | undefined,
  page: number,
): string | number | undefined {
  let out = highest;
  rows.forEach((row, index) => {
    const value = row[dataset.watermark];
    if (value === null || value === undefined) return;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ConfigError(
        `dataset "${dataset.name}" page ${page} row ${index + 1}: watermark "${dataset.watermark}" is not a string or number`,
      );
    }
    if (out === undefined) {
      out = value;
      return;
    }
    const order = compareWatermarks(value, out);
    if (order === undefined) {
      throw new ConfigError(
        `dataset "${dataset.name}" page ${page} row ${index + 1}: watermark "${dataset.watermark}" value ${JSON.stringify(value)} cannot be compared with ${JSON.stringify(out)}`,
      );
    }
    if (order > 0) out = value;
  });
  return out;
}

/** Tombstones for the live rows of `table` whose key the complete read did not see. */
async function* tombstones(
  clickhouse: ClickHouseClient,
  table: string,
  keys: readonly string[],
  seen: ReadonlySet<string>,
  batchSize: number,
  columns: Record<string, string>,
): AsyncGenerator<Batch<Row>> {
  if ((await tableColumnTypes(clickhouse, table)).size === 0) return;
  const result = await clickhouse.query({
    query: `SELECT ${keys.map(quoteIdentifier).join(', ')} FROM ${qualified(table)} FINAL WHERE _deleted = 0`,
    format: 'JSONEachRow',
    // Int64 keys as numbers, the form the read produced, so keys compare equal.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const gone = (await result.json<Row>()).filter((row) => !seen.has(keyOf(row, keys)));
  for (let start = 0; start < gone.length; start += batchSize) {
    const rows = gone.slice(start, start + batchSize).map((row) => ({ ...row, _deleted: 1 }));
    yield { kind: 'rows', rows, columns };
  }
}
