/** The CLI as a process: --help does nothing, bad flags exit 2, SIGTERM lets a query finish. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { startClickHouseServer } from '../../clickhouse-server/server.js';
import { nodeTsx } from '../support/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

it('--help prints usage and does no work; a bad flag exits 2', async () => {
  const help = await execa(TSX, ['clickhouse-server/cli.ts', '--help'], {
    cwd: ROOT,
    reject: false,
  });
  expect(help.exitCode).toBe(0);
  expect(help.stdout).toContain('--port');
  const bad = await execa(TSX, ['clickhouse-server/cli.ts', '--nope'], {
    cwd: ROOT,
    reject: false,
  });
  expect(bad.exitCode).toBe(2);
});

it('SIGTERM: the running query completes, the process exits 0, the folder reopens', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'adtech-chs-cli-'));
  folders.push(folder);
  const child = execa(...nodeTsx('clickhouse-server/cli.ts', ['--path', folder, '--port', '0']), {
    cwd: ROOT,
    reject: false,
    env: { CLICKHOUSE_PASSWORD: 's3cret' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /ClickHouse HTTP on (\S+) \(data: /.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
    child.catch(reject);
  });
  const client = createClient({ url, password: 's3cret' });
  await client.command({ query: 'CREATE TABLE kept (a UInt32) ENGINE = MergeTree ORDER BY a' });
  await client.command({ query: 'INSERT INTO kept SELECT number FROM numbers(1000)' });
  const slow = client.query({ query: 'SELECT sleep(1.5) AS s, 7 AS seven', format: 'JSONEachRow' });
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const rows = await (await slow).json();
  expect(rows).toEqual([{ s: 0, seven: 7 }]);
  const exited = await child;
  expect(exited.exitCode).toBe(0);
  expect(exited.stderr).not.toContain('s3cret');
  await client.close();

  const again = await startClickHouseServer({ path: folder, port: 0 });
  const check = createClient({ url: again.url });
  const count = await check.query({
    query: 'SELECT count() AS n FROM kept',
    format: 'JSONEachRow',
  });
  expect(await count.json()).toEqual([{ n: '1000' }]);
  await check.close();
  await again.close();
});
