/** A ClickHouse HTTP server over a fresh temp data folder, on an ephemeral 127.0.0.1 port. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ClickHouseServer,
  type ClickHouseServerOptions,
  startClickHouseServer,
} from '../../clickhouse-server/server.js';

export const USER = 'tester';
export const PASSWORD = 'pa ss:wörd';

export interface TestServer {
  readonly server: ClickHouseServer;
  readonly dataPath: string;
  /** JSON request log lines. */
  readonly logLines: string[];
  stop(): Promise<void>;
}

export async function startTestServer(
  options: Partial<ClickHouseServerOptions> = {},
): Promise<TestServer> {
  const dataPath = await mkdtemp(path.join(os.tmpdir(), 'adtech-chs-'));
  const logLines: string[] = [];
  const server = await startClickHouseServer({
    path: dataPath,
    port: 0,
    user: USER,
    password: PASSWORD,
    log: (line) => logLines.push(line),
    ...options,
  });
  return {
    server,
    dataPath,
    logLines,
    async stop() {
      await server.close();
      await rm(dataPath, { recursive: true, force: true });
    },
  };
}
