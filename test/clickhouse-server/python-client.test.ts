/** Real clickhouse-connect (the Python client dbt-clickhouse and Superset use) against our server. */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensurePythonTool } from '../../python/tools.js';
import { PASSWORD, startTestServer, type TestServer, USER } from './helpers.js';

let t: TestServer;
let python: string;

beforeAll(async () => {
  ({ python } = await ensurePythonTool('dbt'));
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

it('clickhouse-connect: command, query (Native), insert (lz4/zstd/gzip/none), params, settings, sessions, errors', async () => {
  const script = path.join(import.meta.dirname, 'clickhouse_connect_check.py');
  const result = await execa(python, [script, String(t.server.port), USER, PASSWORD], {
    reject: false,
  });
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe('OK');
  expect(result.exitCode).toBe(0);
  // The password never reaches the log, whatever the client sent.
  expect(t.logLines.join('')).not.toContain(PASSWORD);
}, 120_000);
