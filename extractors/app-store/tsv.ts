/**
 * Apple's report files: gzip'd, tab-separated, a header row naming the columns, no quoting (a
 * title may contain `"`). Parsed as a stream in batches, so memory holds the compressed file and
 * one batch of rows, however large the report.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { RuntimeFailure } from '../core/errors.js';

export type TsvRecord = Readonly<Record<string, string>>;

export async function* tsvBatches(
  gzip: Buffer,
  batchRows: number,
  where: string,
): AsyncGenerator<TsvRecord[]> {
  const parser = Readable.from([gzip])
    .pipe(createGunzip())
    .pipe(
      parse({
        delimiter: '\t',
        columns: (header: string[]) => header.map((name) => name.trim()),
        quote: false,
        bom: true,
        skip_empty_lines: true,
        record_delimiter: ['\r\n', '\n'],
      }),
    );
  let batch: TsvRecord[] = [];
  try {
    for await (const record of parser as AsyncIterable<TsvRecord>) {
      batch.push(record);
      if (batch.length >= batchRows) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    throw new RuntimeFailure(`${where}: malformed TSV report: ${(error as Error).message}`);
  }
  if (batch.length > 0) yield batch;
}

/** The columns a report must have; a missing one is named instead of loading empty values. */
export function requireColumns(record: TsvRecord, columns: readonly string[], where: string): void {
  const missing = columns.filter((column) => !(column in record));
  if (missing.length > 0) {
    throw new RuntimeFailure(
      `${where}: report has no column(s) ${missing.map((c) => `"${c}"`).join(', ')}`,
    );
  }
}
