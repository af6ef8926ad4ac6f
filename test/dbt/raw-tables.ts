/**
 * The raw PostgreSQL tables, created with the postgres extractor's own DDL, and hand-built rows
 * for the dbt tests. Every row gets `_version` from its load time, as the extractor does, so a
 * later load of the same id wins under FINAL.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createTableSql } from '../../extractors/core/writer.js';
import { streams } from '../../extractors/postgres/streams.js';

/** Drops every database the project writes and recreates empty raw tables. */
export async function resetWarehouse(client: ClickHouseClient): Promise<void> {
  for (const database of ['raw', 'staging', 'intermediate', 'analytics']) {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` });
  }
  await client.command({ query: 'CREATE DATABASE raw' });
  for (const stream of streams) await client.command({ query: createTableSql(stream) });
}

export interface Load {
  /** Load time, `YYYY-MM-DD hh:mm:ss.sss` UTC; also the row version. */
  loadedAt: string;
  runId?: string;
}

const version = (loadedAt: string) => BigInt(Date.parse(`${loadedAt.replace(' ', 'T')}Z`)) * 1000n;

async function insert(
  client: ClickHouseClient,
  table: string,
  rows: object[],
  load: Load,
  deleted = 0,
): Promise<void> {
  await client.insert({
    table: `raw.${table}`,
    values: rows.map((row) => ({
      ...row,
      _deleted: deleted,
      _version: version(load.loadedAt).toString(),
      _loaded_at: load.loadedAt,
      _run_id: load.runId ?? `run-${load.loadedAt}`,
    })),
    format: 'JSONEachRow',
  });
}

export interface Advertiser {
  id: number;
  name: string;
  created_at?: string;
}
export interface Campaign {
  id: number;
  /** NULL is legal in the original schema (the reports' "unknown advertiser"). */
  advertiser_id: number | null;
  name: string;
  bid: string;
  budget: string;
  start_date: string;
  end_date: string;
  created_at?: string;
}
export interface Event {
  id: number;
  /** NULL is legal in the original schema: such events are left out of the reports. */
  campaign_id: number | null;
  created_at: string | null;
}

const created = (row: { created_at?: string }) => ({
  updated_at: null,
  created_at: '2024-01-01 00:00:00',
  ...row,
});

export const loadAdvertisers = (c: ClickHouseClient, rows: Advertiser[], load: Load, deleted = 0) =>
  insert(c, 'postgres_advertiser', rows.map(created), load, deleted);
export const loadCampaigns = (c: ClickHouseClient, rows: Campaign[], load: Load, deleted = 0) =>
  insert(c, 'postgres_campaign', rows.map(created), load, deleted);
export const loadImpressions = (c: ClickHouseClient, rows: Event[], load: Load, deleted = 0) =>
  insert(c, 'postgres_impressions', rows, load, deleted);
export const loadClicks = (c: ClickHouseClient, rows: Event[], load: Load, deleted = 0) =>
  insert(c, 'postgres_clicks', rows, load, deleted);

/** `count` events for one campaign at one time, ids from `firstId`. */
export function events(firstId: number, count: number, campaignId: number, at: string): Event[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    campaign_id: campaignId,
    created_at: at,
  }));
}
