import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, type LocalStackState, localStackEnv } from '../../extractors/core/local-stack.js';
import { nodeTsx } from '../support/cli.js';
import { freePort } from '../support/postgres.js';
import { repoRoot } from '../support/repo-root.js';

/**
 * `npm run local -- up|down|status|env` as a user runs it, in a temp data folder on free ports:
 * the services outlive the command, the printed environment works, the CLIs find the stack with
 * no environment, `down` really stops both, and stale files and busy ports get clear messages.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'adtech-local-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
fs.chmodSync(dataDir, 0o755);
const statePath = path.join(dataDir, 'local/stack.json');
let pgPort = 0;
let clickhousePort = 0;

/** This shell as a user has it: no database settings, only the data folder of this test. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(PG|CLICKHOUSE_|ADTECH_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ADTECH_DATA_DIR: dataDir };
}

function run(file: string, args: string[]) {
  return execa(...nodeTsx(file, args), {
    cwd: repoRoot,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

const local = (...args: string[]) => run('local/stack-cli.ts', args);
const ports = () => ['--pg-port', String(pgPort), '--clickhouse-port', String(clickhousePort)];
const readState = () => JSON.parse(fs.readFileSync(statePath, 'utf8')) as LocalStackState;

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `export NAME='value'` lines back into values. */
function parseExports(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z_]+)='((?:[^']|'\\'')*)'$/gm)) {
    values[match[1] as string] = (match[2] as string).replace(/'\\''/g, "'");
  }
  return values;
}

/** A pid that surely belongs to no process: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', '']);
  await child;
  return child.pid as number;
}

beforeAll(async () => {
  pgPort = await freePort();
  clickhousePort = await freePort();
});

afterAll(async () => {
  await local('down');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run local', () => {
  it('--help does no work', async () => {
    const help = await local('--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/up\s+start embedded PostgreSQL/);
    expect(fs.existsSync(path.join(dataDir, 'local'))).toBe(false);
    const bad = await local('sideways');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("unknown command 'sideways'");
  });

  it('up starts both in the background, waits for them and records them (0600)', async () => {
    const up = await local('up', ...ports());
    expect(up.exitCode, up.all).toBe(0);
    const state = readState();
    expect(fs.statSync(statePath).mode & 0o777).toBe(0o600);
    expect(state.postgres?.port).toBe(pgPort);
    expect(state.clickhouse?.url).toBe(`http://127.0.0.1:${clickhousePort}`);
    // Outlived the `up` process.
    expect(isAlive(state.postgres?.pid)).toBe(true);
    expect(isAlive(state.clickhouse?.pid)).toBe(true);
    // Passwords are random and never printed.
    const passwords = [state.postgres?.password, state.clickhouse?.password] as string[];
    for (const password of passwords) {
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(up.all).not.toContain(password);
    }
    expect(up.stdout).toContain(`postgresql://postgres:****@127.0.0.1:${pgPort}/adtech`);
    // ADTECH_DATA_DIR names the folder, so the follow-ups need no --data-dir.
    expect(up.stdout).toContain('eval "$(npm run -s local -- env)"');
    expect(up.stdout).toMatch(/^stop it with: npm run local -- down$/m);
  });

  it('status says running, with the URLs', async () => {
    const status = await local('status');
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toMatch(/PostgreSQL\s+running\s+pid \d+/);
    expect(status.stdout).toMatch(
      new RegExp(`ClickHouse\\s+running\\s+pid \\d+\\s+http://127.0.0.1:${clickhousePort}`),
    );
  });

  it('env prints exports that reach both servers', async () => {
    const env = await local('env');
    expect(env.exitCode, env.all).toBe(0);
    const values = parseExports(env.stdout);
    expect(Object.keys(values).sort()).toEqual([
      'CLICKHOUSE_PASSWORD',
      'CLICKHOUSE_URL',
      'CLICKHOUSE_USER',
      'PG_URL',
    ]);
    const client = new pg.Client({ connectionString: values.PG_URL });
    await client.connect();
    try {
      // The schema exists: `up` ran the generator's init.
      const tables = await client.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('advertiser','campaign','impressions','clicks')",
      );
      expect(tables.rows[0].n).toBe(4);
    } finally {
      await client.end();
    }
    const clickhouse = createClient({
      url: values.CLICKHOUSE_URL,
      username: values.CLICKHOUSE_USER,
      password: values.CLICKHOUSE_PASSWORD,
    });
    try {
      const rows = await (await clickhouse.query({ query: 'SELECT 1 AS one' })).json();
      expect(rows.data).toEqual([{ one: 1 }]);
      // The databases clients name in their connection exist from the start, as in compose.
      const databases = await clickhouse.query({
        query: "SELECT name FROM system.databases WHERE name IN ('raw', 'analytics') ORDER BY name",
        format: 'JSONEachRow',
      });
      expect(await databases.json()).toEqual([{ name: 'analytics' }, { name: 'raw' }]);
      // ClickHouse reaches the stack's PostgreSQL through the shipped named collection, as the
      // compose stack's does (oltp_to_clickhouse pulls through it).
      const pulled = await clickhouse.query({
        query:
          "SELECT count() AS n FROM postgresql(adtech_pg, schema = 'public', table = 'campaign')",
        format: 'JSONEachRow',
      });
      expect(await pulled.json()).toEqual([{ n: '0' }]);
    } finally {
      await clickhouse.close();
    }
    // And the password is really checked.
    const intruder = createClient({
      url: values.CLICKHOUSE_URL,
      password: 'wrong',
      log: { level: ClickHouseLogLevel.OFF },
    });
    await expect(intruder.query({ query: 'SELECT 1' })).rejects.toThrow();
    await intruder.close();
  });

  it('a second up is a no-op', async () => {
    const before = readState();
    const again = await local('up');
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toContain('local stack already running');
    expect(readState()).toEqual(before);
  });

  it('generate, extract and dag test find the stack with no environment', async () => {
    expect(localStackEnv(cleanEnv()).PG_URL).toBe(readState().postgres?.url);
    // Explicit settings win over discovery.
    expect(localStackEnv({ ...cleanEnv(), CLICKHOUSE_PATH: '/elsewhere' }).CLICKHOUSE_URL).toBe(
      undefined,
    );
    expect(localStackEnv({ ...cleanEnv(), ADTECH_LOCAL_STACK: 'off' })).toEqual({});

    const batch = await run('generator/cli.ts', [
      'batch',
      ...['--advertisers', '2', '--campaigns', '2', '--impressions', '50', '--ctr', '0.1'],
      ...['--seed', '7'],
    ]);
    expect(batch.exitCode, batch.all).toBe(0);
    const extract = await run('extractors/cli.ts', ['postgres']);
    expect(extract.exitCode, extract.all).toBe(0);
    expect(extract.stdout).toMatch(/extract postgres ok: [\d,]+ rows/);
    // Loaded into the server, not into an embedded engine of its own.
    expect(extract.stderr).toContain(`ClickHouse server http://127.0.0.1:${clickhousePort}`);
    const { clickhouse } = readState();
    const client = createClient({
      url: clickhouse?.url,
      username: clickhouse?.user,
      password: clickhouse?.password,
    });
    try {
      const result = await client.query({
        query: 'SELECT toString(count()) AS n FROM raw.postgres_impressions FINAL',
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([{ n: '200' }]);
    } finally {
      await client.close();
    }
    const dag = await run('local/dag.ts', ['test', 'oltp_to_clickhouse']);
    expect(dag.exitCode, dag.all).toBe(0);
    expect(dag.stdout).toContain('using the running local stack for PG_URL, CLICKHOUSE_URL');
  }, 180_000);

  it('a busy port gets a message naming the port and the flag to change it', async () => {
    const stateBefore = readState();
    // Ports are checked before anything starts: with ClickHouse's taken, nothing starts.
    await local('down');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(clickhousePort, '127.0.0.1', resolve));
    try {
      const up = await local('up');
      expect(up.exitCode, up.all).toBe(1);
      expect(up.stderr).toContain(
        `port ${clickhousePort} for ClickHouse is in use on 127.0.0.1; choose another with --clickhouse-port N`,
      );
      // Nothing was started.
      expect(readState().postgres?.pid).toBe(null);
      expect(isAlive(stateBefore.postgres?.pid)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('down stops both: processes gone, ports free; status and env say so', async () => {
    const up = await local('up');
    expect(up.exitCode, up.all).toBe(0);
    const { postgres, clickhouse } = readState();
    const down = await local('down');
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toContain('local stack stopped (clickhouse, postgres)');
    expect(isAlive(postgres?.pid)).toBe(false);
    expect(isAlive(clickhouse?.pid)).toBe(false);
    expect(await portFree(pgPort)).toBe(true);
    expect(await portFree(clickhousePort)).toBe(true);
    expect(readState().postgres?.pid).toBe(null);
    expect(readState().clickhouse?.pid).toBe(null);
    // Passwords stay for the next `up` (the PostgreSQL cluster keeps its own).
    expect(readState().postgres?.password).toBe(postgres?.password);
    const status = await local('status');
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/PostgreSQL\s+stopped/);
    const env = await local('env');
    expect(env.exitCode).toBe(1);
    expect(env.stderr).toContain('npm run local -- up');
    expect(localStackEnv(cleanEnv())).toEqual({});
    expect((await local('down')).stdout).toContain('nothing was running');
  }, 120_000);

  it('a stale state file and a stale lock (dead pids) are cleaned up with a message', async () => {
    const state = readState();
    const dead = await deadPid();
    fs.writeFileSync(
      statePath,
      JSON.stringify({ ...state, clickhouse: { ...state.clickhouse, pid: dead } }),
    );
    expect(localStackEnv(cleanEnv())).toEqual({});
    fs.writeFileSync(path.join(dataDir, 'local/stack.lock'), String(dead));
    const down = await local('down');
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stderr).toContain(`removing a stale lock`);
    expect(down.stderr).toContain(`ClickHouse: pid ${dead} in ${statePath} is gone`);
    expect(readState().clickhouse?.pid).toBe(null);
    expect(fs.existsSync(path.join(dataDir, 'local/stack.lock'))).toBe(false);
  });
});
