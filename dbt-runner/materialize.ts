/**
 * The statements dbt-clickhouse 1.10 issues for each materialization, for one model:
 * - view: `create or replace view … as …`;
 * - table: `create table … engine … empty as <sql>` then `insert into … <sql>`; when the table
 *   already exists it builds `<name>__dbt_backup` that way and swaps it in with
 *   `exchange tables` (atomic), then drops the old one;
 * - incremental: first run (or `--full-refresh`) as table; later runs by `incremental_strategy`:
 *   `append` inserts the model's rows; `delete_insert` builds `<name>__dbt_new_data_<invocation>`
 *   from the model, deletes (lightweight delete) the rows whose `unique_key` appears in it,
 *   inserts it and drops it; `legacy` copies the kept rows and the new ones into
 *   `<name>__dbt_tmp` and swaps it in with `exchange tables`. No other strategy is supported
 *   (microbatch, insert_overwrite, … fail loudly).
 * `on_schema_change`, contracts, projections and distributed tables are not handled.
 */

import { type Relation, relationName } from './compile.js';
import { DbtRunnerError } from './errors.js';
import type { ModelConfig } from './project.js';

export type Materialization = 'view' | 'table' | 'incremental';
export type ExistingKind = 'view' | 'table' | undefined;

export interface Step {
  sql: string;
  /** Why the step runs, for the log. */
  label: string;
}

export class MaterializationError extends DbtRunnerError {
  override name = 'MaterializationError';
}

function clause(keyword: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  const text = Array.isArray(value) ? `(${value.join(', ')})` : String(value);
  return `\n${keyword} ${text}`;
}

function settingsClause(settings: unknown): string {
  if (typeof settings !== 'object' || settings === null) return '';
  const entries = Object.entries(settings as Record<string, unknown>);
  if (entries.length === 0) return '';
  return `\nSETTINGS ${entries.map(([key, value]) => `${key} = ${typeof value === 'string' ? `'${value}'` : String(value)}`).join(', ')}`;
}

/** dbt-clickhouse's `create table … empty as` + `insert into`. */
function createTableAs(relation: Relation, config: ModelConfig, sql: string): Step[] {
  const name = relationName(relation);
  const ddl =
    `CREATE TABLE ${name}` +
    clause('ENGINE =', config.engine ?? 'MergeTree()') +
    clause('ORDER BY', config.order_by ?? 'tuple()') +
    clause('PARTITION BY', config.partition_by) +
    clause('PRIMARY KEY', config.primary_key) +
    settingsClause(config.settings) +
    `\nEMPTY AS (\n${sql}\n)`;
  return [
    { sql: ddl, label: `create ${name}` },
    { sql: `INSERT INTO ${name}\n${sql}`, label: `insert into ${name}` },
  ];
}

function buildTable(relation: Relation, existing: ExistingKind, config: ModelConfig, sql: string) {
  const name = relationName(relation);
  if (existing === undefined) return createTableAs(relation, config, sql);
  if (existing === 'view') {
    return [
      { sql: `DROP VIEW ${name}`, label: `drop view ${name}` },
      ...createTableAs(relation, config, sql),
    ];
  }
  const backup = { ...relation, identifier: `${relation.identifier}__dbt_backup` };
  const backupName = relationName(backup);
  return [
    { sql: `DROP TABLE IF EXISTS ${backupName}`, label: `drop stale ${backupName}` },
    ...createTableAs(backup, config, sql),
    { sql: `EXCHANGE TABLES ${backupName} AND ${name}`, label: `exchange into ${name}` },
    { sql: `DROP TABLE ${backupName}`, label: `drop ${backupName}` },
  ];
}

function uniqueKeyList(config: ModelConfig, model: string): string {
  const key = config.unique_key;
  if (Array.isArray(key) && key.length > 0) return key.join(', ');
  if (typeof key === 'string' && key.trim()) return key;
  throw new MaterializationError(`${model}: incremental_strategy delete_insert needs a unique_key`);
}

export function materializationOf(config: ModelConfig, model: string): Materialization {
  const materialized = config.materialized ?? 'view';
  if (materialized === 'view' || materialized === 'table' || materialized === 'incremental') {
    return materialized;
  }
  throw new MaterializationError(
    `${model}: materialized='${String(materialized)}' is not supported by the local runner (view, table, incremental)`,
  );
}

/**
 * The statements that bring `relation` up to date. `incremental` says whether the incremental
 * branch applies (table exists, incremental model, no full refresh), i.e. `is_incremental()`.
 */
export function materializeSteps(options: {
  model: string;
  relation: Relation;
  config: ModelConfig;
  existing: ExistingKind;
  incremental: boolean;
  sql: string;
  /** Suffix for the delete_insert scratch table (dbt uses the invocation id). */
  invocationId: string;
}): Step[] {
  const { model, relation, config, existing, incremental, sql } = options;
  const name = relationName(relation);
  const materialization = materializationOf(config, model);
  if (materialization === 'view') {
    const drop =
      existing === 'table' ? [{ sql: `DROP TABLE ${name}`, label: `drop table ${name}` }] : [];
    return [
      ...drop,
      { sql: `CREATE OR REPLACE VIEW ${name} AS (\n${sql}\n)`, label: `create view ${name}` },
    ];
  }
  if (materialization === 'table' || !incremental)
    return buildTable(relation, existing, config, sql);

  const strategy = config.incremental_strategy;
  if (strategy === 'append') {
    return [{ sql: `INSERT INTO ${name}\n${sql}`, label: `append into ${name}` }];
  }
  if (strategy !== 'delete_insert' && strategy !== 'legacy') {
    throw new MaterializationError(
      `${model}: incremental_strategy='${String(strategy)}' is not supported by the local runner (append, delete_insert, legacy)`,
    );
  }
  const key = uniqueKeyList(config, model);
  const newData = {
    ...relation,
    identifier: `${relation.identifier}__dbt_new_data_${options.invocationId}`,
  };
  const newDataName = relationName(newData);
  const createNewData = [
    { sql: `DROP TABLE IF EXISTS ${newDataName}`, label: `drop stale ${newDataName}` },
    ...createTableAs(newData, config, sql),
  ];
  if (strategy === 'delete_insert') {
    return [
      ...createNewData,
      {
        sql: `DELETE FROM ${name} WHERE (${key}) IN (SELECT ${key} FROM ${newDataName})`,
        label: `delete replaced rows from ${name}`,
      },
      {
        sql: `INSERT INTO ${name} SELECT * FROM ${newDataName}`,
        label: `insert new rows into ${name}`,
      },
      { sql: `DROP TABLE ${newDataName}`, label: `drop ${newDataName}` },
    ];
  }
  // legacy: a fresh copy of the table (kept rows + new rows) swapped in atomically.
  const intermediate = relationName({ ...relation, identifier: `${relation.identifier}__dbt_tmp` });
  return [
    ...createNewData,
    { sql: `DROP TABLE IF EXISTS ${intermediate}`, label: `drop stale ${intermediate}` },
    { sql: `CREATE TABLE ${intermediate} AS ${newDataName}`, label: `create ${intermediate}` },
    {
      sql: `INSERT INTO ${intermediate} SELECT * FROM ${name} WHERE (${key}) NOT IN (SELECT ${key} FROM ${newDataName})`,
      label: `copy kept rows into ${intermediate}`,
    },
    {
      sql: `INSERT INTO ${intermediate} SELECT * FROM ${newDataName}`,
      label: `insert new rows into ${intermediate}`,
    },
    { sql: `DROP TABLE ${newDataName}`, label: `drop ${newDataName}` },
    { sql: `EXCHANGE TABLES ${intermediate} AND ${name}`, label: `exchange into ${name}` },
    { sql: `DROP TABLE ${intermediate}`, label: `drop ${intermediate}` },
  ];
}
