/**
 * Embedded ClickHouse (chdb) for tests: a fresh temp data folder per test file. chdb allows one
 * data folder per process at a time, so close the client before opening another folder. Every
 * folder made here is deleted after the test file that made it (each `npm test` used to leave
 * ~30 `adtech-ch-*` folders in the temp dir).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll } from 'vitest';
import { createClickHouseClient } from '../../extractors/core/clickhouse-client.js';

export interface TestClickHouse {
  readonly client: ClickHouseClient;
  /** The data folder; pass it as CLICKHOUSE_PATH to a child process after `close()`. */
  readonly path: string;
  /** Close the client (frees the folder for another process) without deleting data. */
  close(): Promise<void>;
  /** Close and delete the data folder. */
  destroy(): Promise<void>;
}

/** Temp data folders this test file made, deleted after it. */
const madeFolders = new Set<string>();

/**
 * Registered when this module is first imported, so before the importing file's own hooks; vitest
 * runs `afterAll` hooks last-registered first, so the file's own clean-up (closing clients,
 * stopping child processes that use a folder) runs before the folders go.
 */
afterAll(async () => {
  await removeTempClickHousePaths();
});

/** Deletes every folder `tempClickHousePath` made in this process (also run after each file). */
export async function removeTempClickHousePaths(): Promise<void> {
  const folders = [...madeFolders];
  madeFolders.clear();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}

export async function tempClickHousePath(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'adtech-ch-'));
  madeFolders.add(folder);
  return folder;
}

export async function openClickHouse(dataPath?: string): Promise<TestClickHouse> {
  const folder = dataPath ?? (await tempClickHousePath());
  const client = await createClickHouseClient({ path: folder });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  return {
    client,
    path: folder,
    close,
    async destroy() {
      await close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Run a query and return its rows as objects (JSONEachRow). 64-bit integers come back as JSON
 * numbers: a ClickHouse server quotes them by default, and tests compare small counts, so they
 * ask for numbers (`output_format_json_quote_64bit_integers = 0`), as any client may.
 */
export async function queryRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: string,
): Promise<T[]> {
  const result = await client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return result.json<T>();
}

/** A unique database name for one test: `test_<label>_<random>`. */
export function uniqueDatabase(label: string): string {
  return `test_${label.replace(/\W/g, '_')}_${Math.random().toString(36).slice(2, 8)}`;
}
