import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './stack-files.js';

/**
 * airflow/bootstrap/bootstrap.py run by the real python3 against a stand-in `airflow` executable
 * (the CLI is the edge we cannot run here): it records each `airflow <kind> import FILE` call and
 * a copy of the imported file, so we see exactly what the init service hands Airflow.
 */
const script = path.join(repoRoot, 'airflow/bootstrap/bootstrap.py');

let dir: string;
let calls: string;
let tmp: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-bootstrap-'));
  calls = path.join(dir, 'calls');
  fs.mkdirSync(calls);
  tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const fake = path.join(dir, 'bin', 'airflow');
  fs.mkdirSync(path.dirname(fake));
  fs.writeFileSync(
    fake,
    `#!/bin/sh
# $1=kind $2=import $3=file ...: keep the file and the arguments, fail when asked to.
cp "$3" "${calls}/$1.json"
echo "$@" > "${calls}/$1.args"
[ "$1" = "$FAIL_KIND" ] && { echo "boom: bad $1 file" >&2; exit 3; }
exit 0
`,
    { mode: 0o755 },
  );
});

function writeResources(resources: unknown): string {
  const file = path.join(dir, 'resources.json');
  fs.writeFileSync(file, JSON.stringify(resources));
  return file;
}

async function bootstrap(resourcesFile: string, env: Record<string, string>) {
  return execa('python3', [script, resourcesFile], {
    reject: false,
    extendEnv: false,
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, TMPDIR: tmp, ...env },
  });
}

const readCall = (kind: string) =>
  JSON.parse(fs.readFileSync(path.join(calls, `${kind}.json`), 'utf8'));

const resources = {
  pools: [{ name: 'oltp_postgres', slots: 2, description: 'OLTP reads' }],
  variables: [
    { key: 'pg_url', env: 'PG_URL_VALUE', required: true },
    { key: 'fb_token', env: 'FB_TOKEN', required: false },
    { key: 'plain', value: 'not-secret' },
  ],
  connections: [
    {
      conn_id: 'clickhouse_default',
      conn_type: 'http',
      host: 'clickhouse',
      port: 8123,
      login_env: 'CH_USER',
      password_env: 'CH_PASSWORD',
    },
    {
      conn_id: 'webhook',
      conn_type: 'http',
      host_env: 'HOOK_HOST',
      password_env: 'HOOK_PATH',
      required: false,
    },
  ],
};

describe('airflow bootstrap (init service)', () => {
  it('imports pools, Variables from the environment and Connections, printing no secret', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'postgresql://u:s3cret-pg@postgres/adtech',
      CH_USER: 'pipeline',
      CH_PASSWORD: 's3cret-ch',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readCall('pools')).toEqual({
      oltp_postgres: { slots: 2, description: 'OLTP reads', include_deferred: false },
    });
    expect(readCall('variables')).toEqual({
      pg_url: 'postgresql://u:s3cret-pg@postgres/adtech',
      plain: 'not-secret',
    });
    expect(readCall('connections')).toEqual({
      clickhouse_default: {
        conn_type: 'http',
        host: 'clickhouse',
        port: 8123,
        login: 'pipeline',
        password: 's3cret-ch',
      },
    });
    expect(fs.readFileSync(path.join(calls, 'variables.args'), 'utf8')).toMatch(
      /--action-on-existing-key overwrite/,
    );
    expect(fs.readFileSync(path.join(calls, 'connections.args'), 'utf8')).toMatch(/--overwrite/);
    // An optional secret left empty in .env is skipped, with a hint, not created empty.
    expect(result.stdout).toMatch(/skipped variable fb_token \(set FB_TOKEN in \.env/);
    expect(result.stdout).toMatch(/skipped connection webhook \(set HOOK_HOST, HOOK_PATH in \.env/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/s3cret/);
    // The temporary import files (they hold secrets) are gone.
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('fails naming the missing variable, before importing anything', async () => {
    const result = await bootstrap(writeResources(resources), { CH_USER: 'u', CH_PASSWORD: 'p' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/variable pg_url: environment variable PG_URL_VALUE is not set/);
    expect(fs.readdirSync(calls)).toEqual([]);
  });

  it('reports a failing Airflow import with the CLI error and a non-zero exit', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'x',
      CH_USER: 'u',
      CH_PASSWORD: 'p',
      FAIL_KIND: 'connections',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /airflow connections import failed \(3\): boom: bad connections file/,
    );
    // The failed import's file (it holds the connection passwords) is removed too.
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
