/**
 * Hand-built rows into a raw table as the extractors write them: the row's meta columns from its
 * load time (`_version` = microseconds since the epoch, so a later load of the same key wins
 * under FINAL), for the dbt tests over the ad and app sources' raw tables.
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** `loadedAt`: `YYYY-MM-DD hh:mm:ss.sss` UTC. */
export async function loadRaw(
  client: ClickHouseClient,
  table: string,
  rows: readonly Record<string, unknown>[],
  loadedAt: string,
): Promise<void> {
  const version = (BigInt(Date.parse(`${loadedAt.replace(' ', 'T')}Z`)) * 1000n).toString();
  await client.insert({
    table,
    format: 'JSONEachRow',
    values: rows.map((row) => ({
      ...row,
      _version: version,
      _loaded_at: loadedAt,
      _run_id: 'test',
    })),
  });
}
