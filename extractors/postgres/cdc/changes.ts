import type { Pgoutput } from 'pg-logical-replication';
import { ConfigError } from '../../core/errors.js';
import { cdcVersion, parseLsn } from './lsn.js';
import { type CdcTable, KEY } from './tables.js';

/**
 * From pgoutput messages to the rows CDC mode writes (pure, no I/O). Committed transactions
 * arrive whole and in commit order (protocol version 1 streams nothing in progress), so each
 * change can be written as soon as it is seen; only the slot's confirmation waits for a commit.
 *
 * Rows are kept per table and id, the later change replacing the earlier (its version is never
 * lower, see lsn.ts), so a batch holds at most one row per id. A value PostgreSQL did not send
 * (the key-only old row of a DELETE, an unchanged TOASTed column of an UPDATE) is taken from the
 * row's last known values: the earlier change in this batch, else ClickHouse (`missing`).
 */

export type Value = string | null;

export interface PendingRow {
  /** Every source column; `undefined` where the value is still to be found (`missing`). */
  values: Record<string, Value | undefined>;
  deleted: 0 | 1;
  version: bigint;
  /** Source columns whose value must come from the row's last known values. */
  missing: string[];
}

/** What the writer must do before the decoder goes on: tombstone a truncated table. */
export interface TruncateAction {
  kind: 'truncate';
  tables: CdcTable[];
  /** Tombstones carry this version; rows below it are the ones truncated. */
  version: bigint;
}

export class ChangeBatch {
  private readonly tables = new Map<string, Map<string, PendingRow>>();
  private count = 0;

  /** Distinct rows held. */
  get size(): number {
    return this.count;
  }

  put(table: CdcTable, values: Record<string, Value | undefined>, deleted: 0 | 1, version: bigint) {
    const key = values[KEY];
    if (key === undefined || key === null) {
      throw new ConfigError(
        `${table.name}: a change without its ${KEY}; the table's replica identity must include ${KEY}`,
      );
    }
    let rows = this.tables.get(table.name);
    if (!rows) {
      rows = new Map();
      this.tables.set(table.name, rows);
    }
    const previous = rows.get(key);
    const merged: Record<string, Value | undefined> = {};
    const missing: string[] = [];
    for (const column of table.source) {
      let value = values[column];
      if (value === undefined && previous) value = previous.values[column];
      merged[column] = value;
      if (value === undefined) missing.push(column);
    }
    if (!previous) this.count += 1;
    rows.set(key, { values: merged, deleted, version, missing });
  }

  /** The rows per table name, and an empty batch. */
  take(): Map<string, PendingRow[]> {
    const taken = new Map([...this.tables].map(([name, rows]) => [name, [...rows.values()]]));
    this.tables.clear();
    this.count = 0;
    return taken;
  }
}

/** Where the transaction being decoded stands. */
interface Transaction {
  commitLsn: bigint;
  /** TRUNCATEs seen so far: changes are at step 2·truncates + 1, see lsn.ts. */
  truncates: number;
}

export class ChangeDecoder {
  private transaction: Transaction | undefined;
  /** End of the last commit decoded: once the batch is written, the slot may confirm it. */
  committedEnd: bigint | undefined;
  /** Row changes decoded (inserts, updates, deletes), for progress lines. */
  changes = 0;
  private readonly byRelation = new Map<string, CdcTable>();

  constructor(
    private readonly schema: string,
    private readonly tables: readonly CdcTable[],
    readonly batch: ChangeBatch,
  ) {}

  /** True between a BEGIN and its COMMIT. */
  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /** Applies one message to the batch; a TRUNCATE returns the tombstones to write first. */
  apply(message: Pgoutput.Message): TruncateAction | undefined {
    switch (message.tag) {
      case 'begin':
        this.transaction = {
          commitLsn: parseLsn(required(message.commitLsn, 'BEGIN')),
          truncates: 0,
        };
        return undefined;
      case 'commit':
        this.committedEnd = parseLsn(required(message.commitEndLsn, 'COMMIT'));
        this.transaction = undefined;
        return undefined;
      case 'relation':
        this.checkRelation(message);
        return undefined;
      case 'insert': {
        const table = this.tableOf(message.relation);
        if (table) this.change(table, message.new, 0);
        return undefined;
      }
      case 'update': {
        const table = this.tableOf(message.relation);
        if (!table) return undefined;
        const before = message.old ?? message.key;
        // A changed id: the old id is gone (its tombstone first, at the same version).
        if (before && before[KEY] !== undefined && before[KEY] !== message.new[KEY]) {
          this.change(table, before, 1);
        }
        this.change(table, message.new, 0);
        return undefined;
      }
      case 'delete': {
        const table = this.tableOf(message.relation);
        const before = message.old ?? message.key;
        if (table && before) this.change(table, before, 1);
        return undefined;
      }
      case 'truncate': {
        const tables = message.relations
          .map((relation) => this.tableOf(relation))
          .filter((table): table is CdcTable => table !== undefined);
        const transaction = this.current('TRUNCATE');
        transaction.truncates += 1;
        if (tables.length === 0) return undefined;
        return {
          kind: 'truncate',
          tables,
          version: cdcVersion(transaction.commitLsn, 2 * transaction.truncates),
        };
      }
      default:
        return undefined;
    }
  }

  private change(table: CdcTable, tuple: Record<string, unknown>, deleted: 0 | 1): void {
    const transaction = this.current('a row change');
    const values: Record<string, Value | undefined> = {};
    for (const column of table.source) values[column] = textValue(tuple[column]);
    this.batch.put(
      table,
      values,
      deleted,
      cdcVersion(transaction.commitLsn, 2 * transaction.truncates + 1),
    );
    this.changes += 1;
  }

  private current(what: string): Transaction {
    if (!this.transaction) throw new Error(`pgoutput sent ${what} outside a transaction`);
    return this.transaction;
  }

  private tableOf(relation: Pgoutput.MessageRelation): CdcTable | undefined {
    return this.byRelation.get(`${relation.schema}.${relation.name}`);
  }

  /** A relation of ours must still have every column the raw table is made from. */
  private checkRelation(relation: Pgoutput.MessageRelation): void {
    if (relation.schema !== this.schema) return;
    const table = this.tables.find((candidate) => candidate.name === relation.name);
    if (!table) return;
    const present = new Set(relation.columns.map((column) => column.name));
    const lacking = table.source.filter((column) => !present.has(column));
    if (lacking.length > 0) {
      throw new ConfigError(
        `${relation.schema}.${relation.name} no longer has column(s) ${lacking.join(', ')} in the replication stream`,
      );
    }
    this.byRelation.set(`${relation.schema}.${relation.name}`, table);
  }
}

/** A decoded value as PostgreSQL's text: the plugin is set up to leave values as text
 *  (`TextPgoutputPlugin`); `undefined` is an unchanged TOASTed value PostgreSQL did not send. */
function textValue(value: unknown): Value | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return value;
  throw new Error(`pgoutput value of type ${typeof value}; expected text`);
}

function required(lsn: string | null, what: string): string {
  if (lsn === null) throw new Error(`pgoutput ${what} without an LSN`);
  return lsn;
}
