/**
 * Turns a request's SQL and body into an engine job. An INSERT's data never travels inside the
 * SQL: it goes to a temp file that the engine reads with `INSERT … FROM INFILE`, which keeps
 * binary formats byte-exact (chdb's raw insert cuts its payload at the first blank line).
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from './connection.js';
import { ClickHouseHttpError, ErrorCode } from './errors.js';
import type { ParsedRequest } from './request.js';
import { quoteString, scanStatement } from './statement.js';

export interface PreparedJob {
  readonly job: Job;
  /** Whether the job inserts a request body. */
  readonly isInsert: boolean;
  /** The output format the response carries. */
  readonly format: string;
  /** The SQL without any data, for the log. */
  readonly sqlText: string;
  /** Removes the temp file, if any. */
  cleanup(): Promise<void>;
}

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** `query` parameter + newline + body, as ClickHouse joins them. */
export function joinQueryAndBody(query: string | undefined, body: Buffer): Buffer {
  if (!query) return body;
  return Buffer.concat([Buffer.from(`${query}\n`), body]);
}

export async function prepareJob(
  request: ParsedRequest,
  full: Buffer,
  tempDir: string,
): Promise<PreparedJob> {
  if (full.every((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d))) {
    throw new ClickHouseHttpError(62, 'Empty query', 'SYNTAX_ERROR');
  }
  const statement = scanStatement(full);
  const base = {
    keyword: statement.keyword,
    format: request.defaultFormat,
    database: request.database,
    settings: request.settings,
    params: request.params,
    useDatabase: statement.useDatabase,
  };
  const insert = statement.insert;
  if (!insert) {
    const sql = full.toString();
    return {
      job: { ...base, sql },
      isInsert: false,
      format: statement.outputFormat ?? request.defaultFormat,
      sqlText: sql,
      cleanup: async () => {},
    };
  }
  if (!FORMAT_NAME.test(insert.format)) {
    throw new ClickHouseHttpError(
      ErrorCode.UNKNOWN_FORMAT,
      `Unknown input format ${insert.format.slice(0, 64)}`,
    );
  }
  const file = path.join(tempDir, `${randomUUID()}.data`);
  await writeFile(file, full.subarray(insert.dataStart));
  const head = full.subarray(0, insert.formatAt).toString();
  const beforeSettings = full.subarray(0, insert.infileAt).toString();
  const settingsClause = head.slice(beforeSettings.length);
  const sql = `${beforeSettings.trimEnd()} FROM INFILE ${quoteString(file)} ${settingsClause.trim()} FORMAT ${insert.format}`;
  return {
    job: { ...base, sql },
    isInsert: true,
    format: request.defaultFormat,
    sqlText: `${head.trimEnd()} ${insert.format === 'Values' ? 'VALUES' : `FORMAT ${insert.format}`}`,
    cleanup: () => rm(file, { force: true }),
  };
}
