/**
 * A warehouse for one test file: the ClickHouse HTTP server (`npm run clickhouse`) over a fresh
 * embedded data folder, a client of it, and real dbt pointed at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { startClickHouseServer } from '../../clickhouse-server/server.js';
import { createClickHouseClient } from '../../extractors/core/clickhouse-client.js';
import { type DbtResult, runDbt } from './dbt.js';

export interface TestWarehouse {
  /** The server's URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The environment a process needs to use this warehouse (extractors, dbt). */
  readonly env: Record<string, string>;
  /** A client of the server, for loading raw rows and reading reports. */
  readonly client: ClickHouseClient;
  /** Runs real dbt against the warehouse. */
  dbt(args: readonly string[], options?: DbtRunOptions): Promise<DbtResult>;
  /** Stops the server and deletes the data folder. */
  destroy(): Promise<void>;
}

export interface DbtRunOptions {
  /** `--vars` as an object. */
  vars?: Record<string, unknown>;
  /** Extra environment for dbt, on top of the warehouse's `env`. */
  env?: Record<string, string>;
  /** Use `env` alone (a stack's exact environment), without the warehouse's `CLICKHOUSE_URL`. */
  exactEnv?: boolean;
}

export interface WarehouseOptions {
  user?: string;
  password?: string;
}

export async function startWarehouse(options: WarehouseOptions = {}): Promise<TestWarehouse> {
  const USER = options.user ?? 'dbt_test';
  const PASSWORD = options.password ?? 'test-only-warehouse-password';
  const dataPath = await mkdtemp(path.join(os.tmpdir(), 'adtech-warehouse-'));
  const workRoot = await mkdtemp(path.join(os.tmpdir(), 'adtech-dbt-'));
  const server = await startClickHouseServer({
    path: dataPath,
    host: '127.0.0.1',
    port: 0,
    user: USER,
    password: PASSWORD,
  });
  const env = { CLICKHOUSE_URL: server.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD };
  const client = await createClickHouseClient({
    url: server.url,
    user: USER,
    password: PASSWORD,
    path: dataPath,
  });
  return {
    url: server.url,
    env,
    client,
    async dbt(args, options = {}) {
      // One target folder for the file's runs (they run one at a time), so dbt's partial parsing
      // skips re-parsing the project when the vars are unchanged.
      const vars = options.vars ? ['--vars', JSON.stringify(options.vars)] : [];
      return runDbt(
        [...args, ...vars],
        options.exactEnv ? { ...options.env } : { ...env, ...options.env },
        workRoot,
      );
    },
    async destroy() {
      await client.close();
      await server.close();
      await rm(dataPath, { recursive: true, force: true });
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}
