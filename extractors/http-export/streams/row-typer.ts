/**
 * Types one dataset's rows as they come, page by page: starts from the table's columns as they
 * are in ClickHouse, adds a column for each new field (declared or inferred type, see
 * ../columns.ts) and turns every value into what its column holds, or fails with an error that
 * locates it. One instance per dataset read.
 */
import { ConfigError } from '../../core/errors.js';
import {
  baseType,
  CLICKHOUSE_TYPES,
  MisfitValue,
  newColumnType,
  RESERVED_COLUMNS,
  toColumnValue,
} from '../columns.js';
import type { Dataset } from '../manifest.js';

export type Row = Record<string, unknown>;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class RowTyper {
  /** Every column of the table (and of the rows typed so far), with its ClickHouse type. */
  private readonly types: Map<string, string>;
  private readonly keys: ReadonlySet<string>;

  constructor(
    private readonly dataset: Dataset,
    private readonly table: string,
    existing: ReadonlyMap<string, string>,
  ) {
    this.types = new Map([...existing].filter(([name]) => !RESERVED_COLUMNS.has(name)));
    this.keys = new Set(dataset.primary_key);
    for (const [field, declared] of Object.entries(dataset.fields ?? {})) {
      const current = existing.get(field);
      if (current !== undefined && baseType(current) !== CLICKHOUSE_TYPES[declared]) {
        throw new ConfigError(
          `dataset "${dataset.name}": the manifest declares field "${field}" as ${declared} (${CLICKHOUSE_TYPES[declared]}), but column ${field} of ${this.table} is ${current}; columns are never retyped (migrate the table, or declare what it holds)`,
        );
      }
    }
  }

  /** The columns rows typed so far may carry (for `Batch.columns`), `_deleted` included. */
  columns(): Record<string, string> {
    return { ...Object.fromEntries(this.types), _deleted: 'UInt8' };
  }

  /** The row as written: values in their column types, `_deleted` 0. */
  row(raw: Row, page: number, index: number): Row {
    const where = () =>
      `dataset "${this.dataset.name}" page ${page} row ${index + 1}${this.keyText(raw)}`;
    for (const key of this.dataset.primary_key) {
      if (raw[key] === null || raw[key] === undefined) {
        throw new ConfigError(`${where()}: primary key field "${key}" is missing or null`);
      }
    }
    const out: Row = { _deleted: 0 };
    for (const [field, value] of Object.entries(raw)) {
      if (RESERVED_COLUMNS.has(field) || !FIELD_NAME.test(field)) {
        throw new ConfigError(
          `${where()}: field "${field.slice(0, 64)}" cannot be a column (${RESERVED_COLUMNS.has(field) ? 'a name the loader reserves' : 'letters, digits and _ only'})`,
        );
      }
      let type = this.types.get(field);
      if (type === undefined) {
        type = newColumnType(this.dataset.fields?.[field], value, this.keys.has(field));
        // All nulls so far: the column waits for a value that tells its type.
        if (type === undefined) continue;
        this.types.set(field, type);
      }
      try {
        out[field] = toColumnValue(value, type);
      } catch (error) {
        if (!(error instanceof MisfitValue)) throw error;
        throw new ConfigError(
          `${where()}, field "${field}": ${error.message} of ${this.table}; columns are never retyped: declare the field's type in the manifest's \`fields\` for a new table, or migrate the column`,
        );
      }
    }
    return out;
  }

  private keyText(raw: Row): string {
    const parts = this.dataset.primary_key.map((key) => `${key}=${JSON.stringify(raw[key]) ?? ''}`);
    const text = parts.join(', ');
    return ` (${text.length > 120 ? `${text.slice(0, 120)}…` : text})`;
  }
}
