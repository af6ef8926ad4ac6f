/**
 * `npm run superset` (local/superset.ts) for real: started against a test warehouse, it prints a
 * generated admin password once, that password logs in through the REST API, the dashboard is
 * there, Ctrl-C (SIGTERM) stops it with exit 0, and a restart reuses the kept password without
 * printing it. `--help` and bad usage do no work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, SupersetApi } from '../../local/superset-runtime.js';
import { nodeTsx } from '../support/cli.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');
const CLI = path.join(REPO, 'local/superset.ts');

let warehouse: TestWarehouse;
let dataDir: string;

beforeAll(async () => {
  warehouse = await startWarehouse();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-cli-'));
});

afterAll(async () => {
  await warehouse?.destroy();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...warehouse.env, ...extra };
  return env;
}

/** Start the CLI and wait for its "is up" line; returns the process and its stdout so far. */
async function start(port: number): Promise<{ child: ResultPromise; stdout: () => string }> {
  const child = execa(...nodeTsx(CLI, ['--port', String(port), '--data-dir', dataDir]), {
    env: cliEnv(),
    extendEnv: true,
    reject: false,
    buffer: true,
    all: true,
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  let all = '';
  child.all?.on('data', (chunk: Buffer) => {
    all += chunk.toString();
  });
  const started = Date.now();
  while (!/Ctrl-C stops it/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm run superset exited:\n${all}`);
    if (Date.now() - started > 600_000) throw new Error(`npm run superset did not start:\n${all}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  process.stderr.write(
    `[superset cli test] up in ${((Date.now() - started) / 1000).toFixed(1)} s\n${all
      .split('\n')
      .filter((l) => l.startsWith('[superset]'))
      .join('\n')}\n`,
  );
  return { child, stdout: () => out };
}

describe('npm run superset', () => {
  it('--help prints usage and does no work; bad usage exits 2', async () => {
    const help = await execa(TSX, [CLI, '--help'], { reject: false, env: cliEnv() });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/usage: npm run superset/);
    const bad = await execa(TSX, [CLI, '--port', 'eighty'], { reject: false, env: cliEnv() });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--port must be a TCP port number/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('fails with what to do when there is no warehouse', async () => {
    const result = await execa(TSX, [CLI, '--data-dir', dataDir], {
      reject: false,
      env: { ADTECH_LOCAL_STACK: 'off', CLICKHOUSE_URL: '' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/npm run local -- up/);
  });

  it('starts with the dashboard, prints a generated password once, stops on SIGTERM, and a restart reuses it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await start(port);
    const password = /password: (\S+)/.exec(first.stdout())?.[1];
    expect(password).toBeDefined();
    const api = await SupersetApi.login(url, 'admin', password as string);
    const dashboards = await api.get<{ result: { dashboard_title: string }[] }>(
      '/api/v1/dashboard/',
    );
    expect(dashboards.result.map((d) => d.dashboard_title)).toEqual(['Campaign performance']);
    await expect(SupersetApi.login(url, 'admin', 'admin')).rejects.toThrow(/login as admin failed/);
    const secrets = path.join(dataDir, 'superset/secrets.json');
    expect(fs.statSync(secrets).mode & 0o777).toBe(0o600);
    first.child.kill('SIGTERM');
    expect((await first.child).exitCode).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();

    const second = await start(port);
    expect(second.stdout()).not.toContain(password);
    await SupersetApi.login(url, 'admin', password as string);
    second.child.kill('SIGTERM');
    expect((await second.child).exitCode).toBe(0);
  }, 900_000);
});
