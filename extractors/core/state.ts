import type { ClickHouseClient } from '@clickhouse/client';
import { qualified, quoteIdentifier, quoteString, splitTable } from './writer.js';

/**
 * Extractor state (watermarks) per source, stream and account, kept in ClickHouse next to the
 * data: `raw._extractor_state`, a ReplacingMergeTree keyed by (source, stream, account) whose
 * latest `_version` wins. The runner saves a state only after the rows it covers are inserted,
 * so a crash in between re-reads those rows on the next run, and the ReplacingMergeTree key
 * turns the second copy into the same row.
 */

export const STATE_TABLE = 'raw._extractor_state';

export interface StateKey {
  source: string;
  stream: string;
  account: string;
}

export interface StoredState extends StateKey {
  state: string;
  run_id: string;
  updated_at: string;
}

export class StateStore {
  private ensured = false;

  constructor(
    private readonly client: ClickHouseClient,
    readonly table: string = STATE_TABLE,
  ) {}

  async ensure(): Promise<void> {
    if (this.ensured) return;
    const { database } = splitTable(this.table);
    await this.client.command({
      query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`,
    });
    await this.client.command({
      query: `CREATE TABLE IF NOT EXISTS ${qualified(this.table)} (
  source String,
  stream String,
  account String,
  state String,
  run_id String,
  updated_at DateTime64(3, 'UTC'),
  _version UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (source, stream, account)`,
    });
    this.ensured = true;
  }

  async get<State>(key: StateKey): Promise<State | undefined> {
    await this.ensure();
    const result = await this.client.query({
      query: `SELECT state FROM ${qualified(this.table)} FINAL WHERE ${where(key)} LIMIT 1`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ state: string }>();
    const text = rows[0]?.state;
    return text === undefined ? undefined : (JSON.parse(text) as State);
  }

  async put(key: StateKey, state: unknown, runId: string, version: bigint): Promise<void> {
    await this.ensure();
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      values: [
        {
          ...key,
          state: JSON.stringify(state),
          run_id: runId,
          updated_at: new Date().toISOString(),
          _version: version.toString(),
        },
      ],
    });
  }

  /** Every saved state (tests read it to check what a run saved). */
  async list(): Promise<StoredState[]> {
    await this.ensure();
    const result = await this.client.query({
      query: `SELECT source, stream, account, state, run_id, toString(updated_at) AS updated_at
              FROM ${qualified(this.table)} FINAL ORDER BY source, stream, account`,
      format: 'JSONEachRow',
    });
    return result.json<StoredState>();
  }
}

function where(key: StateKey): string {
  return [
    `source = ${quoteString(key.source)}`,
    `stream = ${quoteString(key.stream)}`,
    `account = ${quoteString(key.account)}`,
  ].join(' AND ');
}
