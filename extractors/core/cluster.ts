import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigError } from './errors.js';
import { qualified, quoteIdentifier, quoteString, splitTable } from './sql-names.js';

/**
 * Where the extractors' tables live: on one ClickHouse server (the default), or on a cluster
 * (`CLICKHOUSE_CLUSTER`, a cluster named in the servers' `remote_servers`). Every CREATE and
 * ALTER the extractors issue is built here, so both layouts hold the same tables, columns, keys
 * and versions.
 *
 * On a cluster each table `db.t` becomes two, both made `ON CLUSTER` (on every node):
 * - `db.t_local`: the data, `ReplicatedReplacingMergeTree` with the same version column and
 *   ORDER BY as the single-node table, one replica set per shard (`{shard}`/`{replica}` macros
 *   of each server's config). `_local` is the suffix dbt-clickhouse uses for its own
 *   distributed models (its `local_suffix` default), so one scheme names both.
 * - `db.t`: a `Distributed` table over the local ones, under the name readers (dbt, Superset)
 *   and the extractors themselves already use, sharded by `cityHash64(<ORDER BY key>)`.
 *
 * Why that sharding key: ReplacingMergeTree collapses the versions of a key only among the
 * parts of one table, and `FINAL` through a Distributed table runs on each shard separately
 * and concatenates the shards' answers. Hashing exactly the ORDER BY key sends every version
 * (and every tombstone) of a key to the same shard, so per-shard FINAL is the global FINAL and
 * a key never shows twice. A random or time-based key would leave two live versions of a key
 * on two shards, both returned by FINAL. The key columns can never be retyped (ClickHouse
 * refuses an ALTER of a sorting-key column that changes its representation), so a key's hash,
 * and therefore its shard, never changes.
 */

/** A ReplacingMergeTree table as the extractors declare it, in either layout. */
export interface ReplacingTable {
  /** `database.table` as streams name it. */
  readonly table: string;
  /** Column definitions as they go between the parentheses (`  \`id\` Int64`). */
  readonly columns: readonly string[];
  /** Index definitions (`  INDEX …`); they go on the table that holds the parts. */
  readonly indexes: readonly string[];
  /** The ReplacingMergeTree version column. */
  readonly version: string;
  /** ORDER BY expressions, as written (quoted or not). */
  readonly orderBy: readonly string[];
  readonly partitionBy?: string;
}

export interface TableLayout {
  /** The cluster name, undefined on a single server. */
  readonly cluster: string | undefined;
  createDatabase(database: string): string;
  /** The CREATE statements, in the order to run them. */
  createTable(table: ReplacingTable): string[];
  /** ALTERs that change columns (ADD / MODIFY COLUMN): every table an insert or a read goes
   *  through must have them. Run in order; each is idempotent, so a retry after a partial
   *  failure completes the rest. */
  alterColumns(table: string, clause: string): string[];
  /** ALTERs of the stored parts (indexes, MATERIALIZE): only the table that holds them. */
  alterStorage(table: string, clause: string): string[];
  /** The table holding the parts, whose indexes `system.data_skipping_indices` lists. */
  storageTable(table: string): string;
}

/** Today's layout: one ReplacingMergeTree table per stream. */
export const SINGLE_NODE: TableLayout = {
  cluster: undefined,
  createDatabase: (database) => `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`,
  createTable: (table) => [
    [
      `CREATE TABLE IF NOT EXISTS ${qualified(table.table)} (`,
      [...table.columns, ...table.indexes].join(',\n'),
      ')',
      `ENGINE = ReplacingMergeTree(${table.version})`,
      ...tail(table),
    ].join('\n'),
  ],
  alterColumns: (table, clause) => [`ALTER TABLE ${qualified(table)} ${clause}`],
  alterStorage: (table, clause) => [`ALTER TABLE ${qualified(table)} ${clause}`],
  storageTable: (table) => table,
};

/** Suffix of the replicated tables under a Distributed one (dbt-clickhouse's default too). */
export const LOCAL_SUFFIX = '_local';

/** ZooKeeper/Keeper path of a replicated table: one replica set per shard and table. The
 *  macros are expanded by each server (`{shard}`, `{replica}` from its `<macros>`). */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';

export function localTable(table: string): string {
  const { database, name } = splitTable(table);
  return `${database}.${name}${LOCAL_SUFFIX}`;
}

/** Local ReplicatedReplacingMergeTree tables with a Distributed table over them, ON CLUSTER. */
export function clusterLayout(cluster: string): TableLayout {
  const name = parseClusterName(cluster);
  const on = `ON CLUSTER ${quoteString(name)}`;
  return {
    cluster: name,
    createDatabase: (database) =>
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} ${on}`,
    createTable: (table) => {
      const local = localTable(table.table);
      const { database, name: localName } = splitTable(local);
      return [
        [
          `CREATE TABLE IF NOT EXISTS ${qualified(local)} ${on} (`,
          [...table.columns, ...table.indexes].join(',\n'),
          ')',
          `ENGINE = ReplicatedReplacingMergeTree(${quoteString(REPLICA_PATH)}, '{replica}', ${table.version})`,
          ...tail(table),
        ].join('\n'),
        // No indexes here: a Distributed table stores nothing, so it takes none.
        [
          `CREATE TABLE IF NOT EXISTS ${qualified(table.table)} ${on} (`,
          table.columns.join(',\n'),
          ')',
          `ENGINE = Distributed(${quoteString(name)}, ${quoteString(database)}, ${quoteString(localName)}, cityHash64(${table.orderBy.join(', ')}))`,
        ].join('\n'),
      ];
    },
    // The local table first: a failure in between leaves the Distributed table without the
    // column, which the next run's check (it reads the Distributed table) sees and repeats.
    alterColumns: (table, clause) => [
      `ALTER TABLE ${qualified(localTable(table))} ${on} ${clause}`,
      `ALTER TABLE ${qualified(table)} ${on} ${clause}`,
    ],
    alterStorage: (table, clause) => [
      `ALTER TABLE ${qualified(localTable(table))} ${on} ${clause}`,
    ],
    storageTable: localTable,
  };
}

function tail(table: ReplacingTable): string[] {
  return [
    ...(table.partitionBy ? [`PARTITION BY ${table.partitionBy}`] : []),
    `ORDER BY (${table.orderBy.join(', ')})`,
  ];
}

/**
 * Settings of every query of a cluster-mode client, so that what the extractors promise on one
 * server still holds:
 * - `distributed_foreground_insert`: an INSERT into a Distributed table returns once every shard
 *   has its rows (the default queues them on the node and sends them later), so the runner never
 *   saves a state past rows that are not yet in the tables, and a read right after sees them.
 * - `insert_quorum = 'auto'`: a majority of each shard's replicas has the rows before the INSERT
 *   returns, so losing one replica loses nothing that was acknowledged.
 * - `load_balancing = 'in_order'`: reads and the Distributed table's inserts (with
 *   `internal_replication`, one replica per shard) go to the first healthy replica of each
 *   shard, so the extractor reads what it wrote (state, FINAL look-ups of earlier rows) rather
 *   than a replica still fetching it.
 */
export const CLUSTER_CLIENT_SETTINGS = {
  distributed_foreground_insert: 1,
  insert_quorum: 'auto',
  load_balancing: 'in_order',
} as const;

/** A cluster name as `remote_servers` spells them; anything else is a configuration error. */
export function parseClusterName(value: string, where = 'CLICKHOUSE_CLUSTER'): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new ConfigError(
      `${where} ${JSON.stringify(value.slice(0, 64))} is not a cluster name (letters, digits, _ . - as in the servers' remote_servers)`,
    );
  }
  return value;
}

/**
 * A cluster the server does not define fails every ON CLUSTER statement with an error about
 * that one statement; checked once before any work, it is a configuration error (exit 2) that
 * says which setting to fix.
 */
export async function assertClusterDefined(
  client: ClickHouseClient,
  cluster: string,
): Promise<void> {
  const result = await client.query({
    query: `SELECT count() AS hosts FROM system.clusters WHERE cluster = ${quoteString(cluster)}`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const [row] = await result.json<{ hosts: number }>();
  if (!row || row.hosts === 0) {
    throw new ConfigError(
      `CLICKHOUSE_CLUSTER ${cluster} is not a cluster of this server (system.clusters has no such name): name a cluster of its remote_servers, or unset CLICKHOUSE_CLUSTER for one server`,
    );
  }
}

const layouts = new WeakMap<ClickHouseClient, TableLayout>();

/** Ties a layout to a client: the cluster is a property of the servers a client talks to, and
 *  every module that makes tables already has the client (the way `rawInsertFor` works). */
export function setTableLayout(client: ClickHouseClient, layout: TableLayout): void {
  layouts.set(client, layout);
}

export function tableLayoutFor(client: ClickHouseClient): TableLayout {
  return layouts.get(client) ?? SINGLE_NODE;
}
