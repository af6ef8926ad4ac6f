import type { ClickHouseClient } from '@clickhouse/client';
import { type ReplacingTable, type TableLayout, tableLayoutFor } from './cluster.js';
import { qualified, quoteString, splitTable } from './writer.js';

/**
 * Extractor state (watermarks) per source, stream and account, kept in ClickHouse next to the
 * data: `raw._extractor_state`, a ReplacingMergeTree keyed by (source, stream, account) whose
 * latest `_version` wins. The runner saves a state only after the rows it covers are inserted,
 * so a crash in between re-reads those rows on the next run, and the ReplacingMergeTree key
 * turns the second copy into the same row.
 */

export const STATE_TABLE = 'raw._extractor_state';

/** The state table's definition; on a cluster it is replicated and distributed like the raw
 *  tables (cluster.ts), sharded by its key, so FINAL through the Distributed table is exact. */
export function stateTable(table: string = STATE_TABLE): ReplacingTable {
  return {
    table,
    columns: [
      '  source String',
      '  stream String',
      '  account String',
      '  state String',
      '  run_id String',
      "  updated_at DateTime64(3, 'UTC')",
      '  _version UInt64',
    ],
    indexes: [],
    version: '_version',
    orderBy: ['source', 'stream', 'account'],
  };
}

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
  private creating: Promise<void> | undefined;

  constructor(
    private readonly client: ClickHouseClient,
    readonly table: string = STATE_TABLE,
    private readonly layout: TableLayout = tableLayoutFor(client),
  ) {}

  async ensure(): Promise<void> {
    if (this.ensured) return;
    // One creation however many streams find the table missing at once (the runner's warm-up).
    this.creating ??= this.create().finally(() => {
      this.creating = undefined;
    });
    await this.creating;
    this.ensured = true;
  }

  private async create(): Promise<void> {
    const { database } = splitTable(this.table);
    await this.client.command({ query: this.layout.createDatabase(database) });
    for (const query of this.layout.createTable(stateTable(this.table))) {
      await this.client.command({ query });
    }
  }

  /** FINAL reads the latest version of the key. On a cluster `this.table` is the Distributed
   *  table, whose FINAL runs on each shard; all versions of a key are on one shard (cluster.ts). */
  async get<State>(key: StateKey): Promise<State | undefined> {
    // Read first and create only when the table is missing: every run after the first saves
    // the two CREATE round trips (a share of an incremental run's fixed cost).
    let rows: { state: string }[];
    try {
      const result = await this.client.query({
        query: `SELECT state FROM ${qualified(this.table)} FINAL WHERE ${where(key)} LIMIT 1`,
        format: 'JSONEachRow',
      });
      rows = await result.json<{ state: string }>();
    } catch (error) {
      if (this.ensured || !MISSING.has(String((error as { code?: unknown }).code))) throw error;
      await this.ensure();
      return undefined;
    }
    this.ensured = true;
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

/** ClickHouse's error codes for an unknown table (60) and an unknown database (81). */
const MISSING = new Set(['60', '81']);

function where(key: StateKey): string {
  return [
    `source = ${quoteString(key.source)}`,
    `stream = ${quoteString(key.stream)}`,
    `account = ${quoteString(key.account)}`,
  ].join(' AND ');
}
