import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './stack-files.js';

/**
 * airflow/bootstrap/bootstrap.py run by the real python3 against a stand-in `airflow` executable
 * (the CLI is the edge we cannot run here): it records each `airflow <kind> import FILE` call and
 * a copy of the imported file, and every call in order (calls/log), so we see exactly what the
 * init service hands Airflow. `airflow variables get` answers $PAUSED_BEFORE (an earlier run's
 * state) after a log line, as the real CLI may print logs first.
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
echo "$@" >> "${calls}/log"
[ "$1" = "$FAIL_KIND" ] && { echo "boom: bad $1 file" >&2; exit 3; }
if [ "$2" = "import" ]; then
  # $1=kind $2=import $3=file ...: keep the file and the arguments.
  cp "$3" "${calls}/$1.json"
  echo "$@" > "${calls}/$1.args"
elif [ "$1 $2" = "variables get" ]; then
  echo "[info] some log line"
  echo "\${PAUSED_BEFORE:-[]}"
fi
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
const callLog = () =>
  fs.existsSync(path.join(calls, 'log'))
    ? fs.readFileSync(path.join(calls, 'log'), 'utf8').trim().split('\n')
    : [];

const resources = {
  pools: [{ name: 'oltp_postgres', slots: 2, description: 'OLTP reads' }],
  variables: [
    { key: 'pg_url', env: 'PG_URL_VALUE', required: true },
    { key: 'fb_token', env: 'FB_TOKEN', required: false, dags: ['fb_daily'] },
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
      dags: ['hook_dag'],
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
      // What this run paused, so a later run can resume exactly those.
      adtech_bootstrap_paused_dags: '["fb_daily", "hook_dag"]',
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

  it('pauses the DAGs whose optional values are unset, after parsing the DAG folder, naming what to set', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'x',
      CH_USER: 'u',
      CH_PASSWORD: 'p',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(callLog()).toEqual([
      'variables get adtech_bootstrap_paused_dags --default []',
      expect.stringMatching(/^pools import /),
      expect.stringMatching(/^variables import /),
      expect.stringMatching(/^connections import /),
      // The dag-processor has not run yet: the DAGs must be in the database to be paused.
      'dags reserialize',
      'dags pause --treat-dag-id-as-regex -y ^(fb_daily|hook_dag)$',
    ]);
    expect(result.stdout).toMatch(
      /paused DAG fb_daily: set FB_TOKEN in \.env \(variable fb_token\), then `docker compose up -d airflow-init` resumes it/,
    );
    expect(result.stdout).toMatch(/paused DAG hook_dag: set HOOK_HOST, HOOK_PATH in \.env/);
  });

  it('resumes the DAGs it paused once their values are set, and pauses nothing', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'x',
      CH_USER: 'u',
      CH_PASSWORD: 'p',
      FB_TOKEN: 's3cret-tok',
      HOOK_HOST: 'https://hooks.example',
      HOOK_PATH: '/services/x',
      PAUSED_BEFORE: '["fb_daily", "hook_dag"]',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const log = callLog();
    expect(log).not.toContain('dags reserialize');
    expect(log.at(-1)).toBe('dags unpause --treat-dag-id-as-regex -y ^(fb_daily|hook_dag)$');
    expect(readCall('variables').adtech_bootstrap_paused_dags).toBe('[]');
    expect(result.stdout).toMatch(/resumed DAG fb_daily, hook_dag/);
    expect(result.stdout).not.toMatch(/s3cret|services/);
  });

  it('keeps paused a DAG still missing its value, resumes only the others, touches no other DAG', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'x',
      CH_USER: 'u',
      CH_PASSWORD: 'p',
      HOOK_HOST: 'https://hooks.example',
      HOOK_PATH: '/services/x',
      PAUSED_BEFORE: '["fb_daily", "hook_dag"]',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(callLog().slice(-3)).toEqual([
      'dags reserialize',
      'dags pause --treat-dag-id-as-regex -y ^(fb_daily)$',
      'dags unpause --treat-dag-id-as-regex -y ^(hook_dag)$',
    ]);
    expect(readCall('variables').adtech_bootstrap_paused_dags).toBe('["fb_daily"]');
  });

  it('fails when pausing fails (no silent success)', async () => {
    const result = await bootstrap(writeResources(resources), {
      PG_URL_VALUE: 'x',
      CH_USER: 'u',
      CH_PASSWORD: 'p',
      FAIL_KIND: 'dags',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/airflow dags reserialize failed \(3\): boom/);
  });
});

describe('bootstrap.py --check-env (before anything is written)', () => {
  const checked = {
    secrets: [{ env: 'FERNET', format: 'fernet' }, { env: 'ADMIN_PASSWORD' }],
    known_defaults: ['admin', 'local-only-jwt-secret-change-me'],
  };
  const check = (env: Record<string, string>) =>
    execa('python3', [script, '--check-env', writeResources(checked)], {
      reject: false,
      extendEnv: false,
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, ...env },
    });
  const fernet = `${Buffer.alloc(32, 7).toString('base64url')}=`;

  it('passes generated secrets, calling no Airflow command', async () => {
    const result = await check({ FERNET: fernet, ADMIN_PASSWORD: 'Xy7pQ2' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(callLog()).toEqual([]);
  });

  it('refuses unset secrets, published defaults and a malformed Fernet key, naming each', async () => {
    const unset = await check({});
    expect(unset.exitCode).toBe(1);
    expect(unset.stderr).toMatch(/FERNET is not set \(run \.\/scripts\/init-env/);
    expect(unset.stderr).toMatch(/ADMIN_PASSWORD is not set/);
    const defaults = await check({ FERNET: 'not-a-key', ADMIN_PASSWORD: 'admin' });
    expect(defaults.exitCode).toBe(1);
    expect(defaults.stderr).toMatch(/FERNET is not a Fernet key/);
    expect(defaults.stderr).toMatch(/ADMIN_PASSWORD is a published default value/);
    // The value itself is not echoed.
    expect(defaults.stderr).not.toMatch(/'admin'|not-a-key/);
  });
});

describe('airflow/bootstrap/resources.json secrets', () => {
  const real = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'airflow/bootstrap/resources.json'), 'utf8'),
  ) as { secrets: { env: string; format?: string }[]; known_defaults: string[] };

  it('checks every Airflow secret and refuses every value older versions shipped', () => {
    expect(real.secrets.map((s) => s.env).sort()).toEqual(
      [
        'AIRFLOW__CORE__FERNET_KEY',
        'AIRFLOW__API_AUTH__JWT_SECRET',
        'AIRFLOW__API__SECRET_KEY',
        'AIRFLOW_ADMIN_PASSWORD',
        'AIRFLOW_DB_PASSWORD',
        'CLICKHOUSE_PASSWORD',
        'OLTP_PG_PASSWORD',
      ].sort(),
    );
    expect(real.secrets.find((s) => s.env === 'AIRFLOW__CORE__FERNET_KEY')?.format).toBe('fernet');
    expect(real.known_defaults).toEqual(
      expect.arrayContaining([
        'admin',
        'airflow',
        'pipeline-local',
        'adtech-local',
        'local-only-jwt-secret-change-me',
        'local-only-api-secret-change-me',
        'local-only-superset-secret-change-me',
      ]),
    );
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
