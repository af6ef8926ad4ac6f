import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, SHIPPED_DEFAULT_SECRETS } from '../stack/stack-files.js';
import { stepTimer } from '../support/step-timer.js';
import { lastJson, type RealAirflow, startRealAirflow } from './bootstrap-airflow.js';

/**
 * airflow/bootstrap/bootstrap.py (what airflow-init's init.sh runs) against the real Airflow 3.3.2
 * CLI: one SQLite metadata database per file (`airflow db migrate` in beforeAll, as init.sh's step
 * 3), the repository's DAG folder, and the real resources.json. What Airflow ends up holding is read
 * back through the CLI (`pools list`, `variables get` / `export`, `connections get`, `dags list`).
 *
 * init.sh's steps that are not run here, and why:
 * - check-docker-socket.sh needs the Docker socket the scheduler uses (it is tested with files of
 *   each owner and mode in test/stack/scripts.test.ts);
 * - `airflow users create` needs the FAB auth manager (apache-airflow-providers-fab), which the
 *   stack's image has and `.venvs/airflow-3` does not;
 * - the stack's metadata database is PostgreSQL (airflow-db); SQLite stands in for it here.
 *
 * The tests of the real runs share the database and follow on from one another (first run, re-run).
 */
const script = path.join(repoRoot, 'airflow/bootstrap/bootstrap.py');
const realResourcesFile = path.join(repoRoot, 'airflow/bootstrap/resources.json');

interface Variable {
  key: string;
  env?: string;
  value?: string;
  required?: boolean;
  dags?: string[];
}
interface Resources {
  secrets: { env: string; format?: string }[];
  known_defaults: string[];
  pools: { name: string; slots: number; description: string }[];
  variables: Variable[];
  connections: Record<string, unknown>[];
}
const real = JSON.parse(fs.readFileSync(realResourcesFile, 'utf8')) as Resources;

/** Distinctive secret values, so any leak is found by a plain substring search. */
const secret = (name: string) => `s3cret-${name}-${randomBytes(6).toString('hex')}`;

/** A python3 that finds no `airflow` on PATH: any Airflow call would crash, not pass. */
const withoutAirflow = (args: string[], env: Record<string, string>) =>
  execa('python3', [script, ...args], {
    reject: false,
    extendEnv: false,
    env: { PATH: '/usr/bin:/bin', ...env },
  });

describe('bootstrap.py --check-env (before anything is written)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-bootstrap-check-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const checked = {
    secrets: [{ env: 'FERNET', format: 'fernet' }, { env: 'ADMIN_PASSWORD' }],
    known_defaults: ['admin', 'local-only-jwt-secret-change-me'],
  };
  const check = (env: Record<string, string>) => {
    const file = path.join(dir, 'checked.json');
    fs.writeFileSync(file, JSON.stringify(checked));
    return withoutAirflow(['--check-env', file], env);
  };
  const fernet = `${Buffer.alloc(32, 7).toString('base64url')}=`;

  it('passes generated secrets, calling no Airflow command', async () => {
    // No `airflow` on PATH: exit 0 shows that none was called.
    const result = await check({ FERNET: fernet, ADMIN_PASSWORD: 'Xy7pQ2' });
    expect(result.exitCode, result.stderr).toBe(0);
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
    expect(real.known_defaults).toEqual(expect.arrayContaining([...SHIPPED_DEFAULT_SECRETS]));
  });
});

describe('airflow bootstrap (init service) on real Airflow 3.3.2', () => {
  let airflow: RealAirflow;
  let resourcesFile: string;
  const { timings, timed } = stepTimer();

  /**
   * The real resources.json plus two entries only this test has, for the kinds of field the real
   * file does not use: a literal Variable and a required Connection with literal host and port.
   */
  const resources = {
    ...real,
    variables: [...real.variables, { key: 'adtech_test_literal', value: 'not-secret' }],
    connections: [
      ...real.connections,
      {
        conn_id: 'adtech_test_clickhouse',
        conn_type: 'http',
        host: 'clickhouse',
        port: 8123,
        login_env: 'TEST_CH_USER',
        password_env: 'CLICKHOUSE_PASSWORD',
      },
    ],
  };

  /** The DAGs the real resources.json pauses while their optional values are unset. */
  const optional = real.variables.filter((v) => v.required === false);
  const pausable = [...new Set(optional.flatMap((v) => v.dags ?? []))].sort();

  /** A test `.env` as ./scripts/init-env leaves it: secrets generated, ad platforms empty. */
  const dotEnv: Record<string, string> = {
    AIRFLOW_ADMIN_PASSWORD: secret('admin'),
    AIRFLOW__API_AUTH__JWT_SECRET: secret('jwt'),
    AIRFLOW__API__SECRET_KEY: secret('api'),
    AIRFLOW_DB_PASSWORD: secret('db'),
    OLTP_PG_PASSWORD: secret('oltp'),
    CLICKHOUSE_PASSWORD: secret('ch'),
    PG_URL: `postgresql://adtech:${secret('pg')}@postgres:5432/adtech`,
    TEST_CH_USER: 'pipeline',
  };

  const bootstrap = (env: Record<string, string>, extraAirflowEnv: Record<string, string> = {}) =>
    execa(airflow.python, [script, resourcesFile], {
      reject: false,
      extendEnv: false,
      env: { ...airflow.env, ...extraAirflowEnv, ...env },
      cwd: airflow.dir,
    });

  /** Every value of the Variables in Airflow (written to a file, never printed). */
  const exportedVariables = async (): Promise<Record<string, unknown>> => {
    const file = path.join(airflow.dir, `variables-${randomBytes(4).toString('hex')}.json`);
    await airflow.cli(['variables', 'export', file]);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } finally {
      fs.rmSync(file);
    }
  };
  const variable = async (key: string) => {
    const lines = (await airflow.cli(['variables', 'get', key])).split('\n').filter((l) => l);
    return lines.at(-1);
  };
  const connection = async (connId: string) =>
    (
      lastJson(await airflow.cli(['connections', 'get', connId, '-o', 'json'])) as Record<
        string,
        unknown
      >[]
    )[0];
  const bootstrapFiles = () =>
    fs.readdirSync(airflow.tmp).filter((f) => f.startsWith('bootstrap-'));

  beforeAll(async () => {
    airflow = await startRealAirflow();
    timings['db migrate'] = airflow.migrateSeconds;
    resourcesFile = path.join(airflow.dir, 'resources.json');
    fs.writeFileSync(resourcesFile, JSON.stringify(resources));
  });
  afterAll(() => {
    console.log(`airflow bootstrap timings (s): ${JSON.stringify(timings)}`);
    airflow?.close();
  });

  it('passes --check-env with the test .env (init.sh step 1)', async () => {
    const result = await withoutAirflow(['--check-env', realResourcesFile], {
      ...dotEnv,
      AIRFLOW__CORE__FERNET_KEY: airflow.env.AIRFLOW__CORE__FERNET_KEY ?? '',
    });
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('fails naming the missing variable, before calling Airflow', async () => {
    const { PG_URL: _unset, ...env } = dotEnv;
    // No `airflow` on PATH: the first Airflow call would crash with a traceback instead.
    const result = await withoutAirflow([resourcesFile], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(
      'bootstrap: variable adtech_pg_url: environment variable PG_URL is not set (put it in .env)',
    );
  });

  it('first run: creates the pools, Variables and Connections of resources.json and pauses the DAGs whose credentials are unset, naming them, printing no secret', async () => {
    const result = await timed('first run', () => bootstrap(dotEnv));
    expect(result.exitCode, result.stderr).toBe(0);

    const [pools, variables, state, clickhouse, webhook, paused] = await timed(
      'first run checks',
      () =>
        Promise.all([
          airflow.cli(['pools', 'list', '-o', 'json']).then(lastJson),
          exportedVariables(),
          variable('adtech_bootstrap_paused_dags'),
          connection('adtech_test_clickhouse'),
          airflow.cli(['connections', 'get', 'adtech_failure_webhook', '-o', 'json']).then(
            () => 'exists',
            (error: Error) => error.message,
          ),
          airflow.pausedState(),
        ]),
    );
    expect((pools as Record<string, unknown>[]).filter((p) => p.pool !== 'default_pool')).toEqual(
      real.pools.map((p) => ({
        pool: p.name,
        slots: String(p.slots),
        description: p.description,
        include_deferred: 'False',
        team_name: null,
      })),
    );
    // The required Variables from the environment, the literal one and the state; the optional
    // ones left empty in .env are skipped, not created empty.
    expect(variables).toEqual({
      adtech_clickhouse_password: dotEnv.CLICKHOUSE_PASSWORD,
      adtech_pg_url: dotEnv.PG_URL,
      adtech_test_literal: 'not-secret',
      adtech_bootstrap_paused_dags: pausable,
    });
    // What this run paused, so a later run can resume exactly those.
    expect(state).toBe(JSON.stringify(pausable).replaceAll(',', ', '));
    expect(clickhouse).toMatchObject({
      conn_id: 'adtech_test_clickhouse',
      conn_type: 'http',
      host: 'clickhouse',
      port: '8123',
      login: 'pipeline',
      password: dotEnv.CLICKHOUSE_PASSWORD,
      is_encrypted: 'True',
    });
    expect(webhook).toMatch(/Connection not found/);

    // Reserialized (nothing else parsed the DAG folder: the dag-processor starts after
    // airflow-init, and none runs here), so every DAG of the folder is in the database; the DAGs
    // of the optional sources (the four ad DAGs, the app stores, CleverTap, the backend export) paused.
    expect(pausable).toEqual([
      'app_store_daily',
      'clevertap_daily',
      'facebook_ads_d1',
      'facebook_ads_d2',
      'google_ads_daily',
      'google_analytics_daily',
      'google_play_daily',
      'http_export_daily',
    ]);
    const dagFiles = fs
      .readdirSync(path.join(repoRoot, 'airflow/dags'))
      .filter((f) => f.endsWith('.py'))
      .map((f) => f.replace(/\.py$/, ''));
    expect(Object.keys(paused).sort()).toEqual(dagFiles.sort());
    for (const [dagId, isPaused] of Object.entries(paused)) {
      expect(isPaused, dagId).toBe(pausable.includes(dagId));
    }

    for (const v of optional) {
      expect(result.stdout).toContain(
        `skipped variable ${v.key} (set ${v.env} in .env to enable it)`,
      );
    }
    expect(result.stdout).toMatch(
      /skipped connection adtech_failure_webhook \(set FAILURE_WEBHOOK_HOST, FAILURE_WEBHOOK_PATH in \.env/,
    );
    expect(result.stdout).toMatch(
      /paused DAG facebook_ads_d1: set FACEBOOK_D1_ACCESS_TOKEN in \.env \(variable adtech_facebook_d1_access_token\), then `docker compose up -d airflow-init` resumes it/,
    );
    expect(result.stdout).toMatch(
      /paused DAG google_ads_daily: set GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_REFRESH_TOKEN in \.env \(variable adtech_google_ads_developer_token, /,
    );
    for (const dagId of pausable) expect(result.stdout).toContain(`paused DAG ${dagId}: set `);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/s3cret/);
    // The temporary import files (they hold secrets) are gone.
    expect(bootstrapFiles()).toEqual([]);
  });

  it('re-run: overwrites values, resumes only the DAGs it paused whose values are set now, keeps the rest and a DAG a person paused paused', async () => {
    // A person pauses a DAG bootstrap never paused.
    await airflow.cli(['dags', 'pause', 'campaign_reports']);
    const env = {
      ...dotEnv,
      CLICKHOUSE_PASSWORD: secret('ch-rotated'),
      FACEBOOK_D1_ACCESS_TOKEN: secret('fb-d1'),
      FAILURE_WEBHOOK_HOST: 'https://hooks.example.invalid',
      FAILURE_WEBHOOK_PATH: `/services/${secret('hook')}`,
    };
    const result = await timed('re-run', () => bootstrap(env));
    expect(result.exitCode, result.stderr).toBe(0);
    const stillPaused = pausable.filter((d) => d !== 'facebook_ads_d1');

    const [variables, webhook, paused] = await timed('re-run checks', () =>
      Promise.all([
        exportedVariables(),
        connection('adtech_failure_webhook'),
        airflow.pausedState(),
      ]),
    );
    // `--action-on-existing-key overwrite`: the rotated password replaced the old one.
    expect(variables.adtech_clickhouse_password).toBe(env.CLICKHOUSE_PASSWORD);
    expect(variables.adtech_facebook_d1_access_token).toBe(env.FACEBOOK_D1_ACCESS_TOKEN);
    expect(variables).not.toHaveProperty('adtech_facebook_d2_access_token');
    expect(variables.adtech_bootstrap_paused_dags).toEqual(stillPaused);
    expect(webhook).toMatchObject({
      conn_type: 'http',
      host: env.FAILURE_WEBHOOK_HOST,
      password: env.FAILURE_WEBHOOK_PATH,
      description: expect.stringMatching(/^Slack-compatible webhook/),
    });
    for (const [dagId, isPaused] of Object.entries(paused)) {
      expect(isPaused, dagId).toBe(stillPaused.includes(dagId) || dagId === 'campaign_reports');
    }
    expect(result.stdout).toMatch(/resumed DAG facebook_ads_d1 \(its values are set now\)/);
    expect(result.stdout).not.toMatch(/paused DAG facebook_ads_d1/);
    expect(result.stdout).toMatch(/paused DAG facebook_ads_d2: set FACEBOOK_D2_ACCESS_TOKEN/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/s3cret|services/);
    expect(bootstrapFiles()).toEqual([]);
  });

  it('reports a failing Airflow import with the CLI error and a non-zero exit, removing its file', async () => {
    // A copy of the migrated database without the `connection` table: the real
    // `airflow connections import` fails after the pools and Variables went in.
    const broken = path.join(airflow.dir, 'no-connection-table.db');
    fs.copyFileSync(airflow.database, broken);
    await execa('python3', [
      '-c',
      'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DROP TABLE connection"); c.commit()',
      broken,
    ]);
    const result = await timed('failing run', () =>
      bootstrap(dotEnv, { AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${broken}` }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/bootstrap: variables: /);
    expect(result.stderr).toMatch(
      /^bootstrap: airflow connections import failed \(1\): [\s\S]*no such table: connection/,
    );
    // Nothing after the failed step ran.
    expect(result.stdout).not.toMatch(/paused DAG|skipped/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/s3cret/);
    // The failed import's file (it holds the connection passwords) is removed too.
    expect(bootstrapFiles()).toEqual([]);
  });
});
