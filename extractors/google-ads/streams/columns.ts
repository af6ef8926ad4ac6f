/**
 * The column table behind every Google Ads stream: each column is declared once with its GAQL
 * field, and that one declaration drives the query (selectList), the row mapping (toRow) and the
 * DDL (columnTypes), so they cannot drift apart. REST JSON omits proto3 defaults (a metric of 0
 * is absent), so absent metrics are written as 0; int64 values arrive as strings and stay
 * strings until ClickHouse parses them.
 */
import type { GaqlRow } from '../client.js';

export type Row = Record<string, unknown>;

export interface Column {
  readonly field: string;
  readonly type: string;
  /** Value written when the API omits the field (proto3 default). */
  readonly absent: string | null;
}

export const text = (field: string): Column => ({ field, type: 'String', absent: '' });
export const int64 = (field: string): Column => ({ field, type: 'Int64', absent: '0' });
export const double = (field: string): Column => ({ field, type: 'Float64', absent: '0' });

/** `metrics.cost_micros` → the value at result.metrics.costMicros. */
export function gaqlValue(row: GaqlRow, field: string): unknown {
  let node: unknown = row;
  for (const part of field.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[
      part.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    ];
  }
  return node;
}

export function toRow(result: GaqlRow, columns: Readonly<Record<string, Column>>): Row {
  const row: Row = {};
  for (const [name, column] of Object.entries(columns)) {
    const value = gaqlValue(result, column.field);
    row[name] = value === undefined || value === null ? column.absent : value;
  }
  return row;
}

export function selectList(columns: Readonly<Record<string, Column>>): string {
  return Object.values(columns)
    .map((c) => c.field)
    .join(', ');
}

export function columnTypes(columns: Readonly<Record<string, Column>>): Record<string, string> {
  return Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, c.type]));
}

/** A stream read by one GAQL query on `resource`: its table is raw.google_ads_<name>. */
export interface StreamSpec {
  readonly name: string;
  readonly resource: string;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
}
