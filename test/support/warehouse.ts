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
  /** Extra environment (e.g. to point dbt at another host). */
  env?: Record<string, string>;
}

const USER = 'dbt_test';
const PASSWORD = 'test-only-warehouse-password';

export async function startWarehouse(): Promise<TestWarehouse> {
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
  let runs = 0;
  return {
    url: server.url,
    env,
    client,
    async dbt(args, options = {}) {
      runs += 1;
      const workDir = path.join(workRoot, `run-${runs}`);
      const vars = options.vars ? ['--vars', JSON.stringify(options.vars)] : [];
      return runDbt([...args, ...vars], { ...env, ...options.env }, workDir);
    },
    async destroy() {
      await client.close();
      await server.close();
      await rm(dataPath, { recursive: true, force: true });
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}
