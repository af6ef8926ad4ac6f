import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lastJson, type RealAirflow, startRealAirflow } from '../airflow/bootstrap-airflow.js';
import { repoRoot } from '../support/repo-root.js';

/**
 * deploy/helm/values.yaml, the values for the official Airflow Helm chart, checked statically:
 * against the chart's values schema (the excerpt in deploy/helm/airflow-chart/), and for the facts
 * the deployment depends on: the KubernetesExecutor, every secret the DAGs read supplied from a
 * Kubernetes Secret and no secret value in the file, and the pools created by the same bootstrap
 * compose runs. The migration job's own script is run against a real Airflow 3.3.2 (SQLite) with
 * the image's paths mapped to the repository through deploy/helm/Dockerfile's COPY lines.
 */

const helmDir = path.join(repoRoot, 'deploy/helm');
const valuesFile = path.join(helmDir, 'values.yaml');
const schemaFile = path.join(helmDir, 'airflow-chart/values.schema.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Values = { [key: string]: Json };

interface EnvItem {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key: string; optional?: boolean } };
}
interface Project {
  secrets: Record<string, { variable: string } | { connection: string; field?: string }>;
  pools: Record<string, { slots: number; description?: string }>;
  failure_webhook_connection?: string;
}
interface Resources {
  known_defaults: string[];
  variables: { key: string; required?: boolean }[];
  connections: { conn_id: string; required?: boolean }[];
}

const readYaml = (file: string) => parse(fs.readFileSync(file, 'utf8')) as unknown;
const values = readYaml(valuesFile) as Values;
const project = readYaml(path.join(repoRoot, 'dag-specs/_project.yaml')) as Project;
const resources = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'airflow/bootstrap/resources.json'), 'utf8'),
) as Resources;
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;

// The chart's schema is draft-07; ajv's default class is draft-07. `strict: false`: the chart's
// schema carries its own annotation keywords (x-docsSection, x-kubernetes-*), not errors.
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
const schemaErrors = (candidate: unknown): ErrorObject[] =>
  validate(candidate) ? [] : [...(validate.errors ?? [])];

const clone = (v: Values): Values => structuredClone(v);
const envOf = (v: Values, component: string): EnvItem[] =>
  ((v[component] as Values | undefined)?.env ?? []) as unknown as EnvItem[];

/** AIRFLOW_VAR_<KEY> / AIRFLOW_CONN_<ID>: where Airflow's environment backend looks. */
const variableEnv = (key: string) => `AIRFLOW_VAR_${key.toUpperCase()}`;
const connectionEnv = (id: string) => `AIRFLOW_CONN_${id.toUpperCase()}`;

/**
 * Problems with how the secrets the DAGs read reach Airflow: each `secrets` entry of
 * _project.yaml must be an env item of the task pods taken from a key of a Kubernetes Secret
 * (optional exactly when resources.json marks it optional); the failure webhook connection the
 * same way for the dag-processor, which runs DAG failure callbacks.
 */
function secretSupplyProblems(v: Values): string[] {
  const problems: string[] = [];
  const required = new Map<string, boolean>([
    ...resources.variables.map((x) => [x.key, x.required ?? true] as const),
    ...resources.connections.map((x) => [x.conn_id, x.required ?? true] as const),
  ]);
  const check = (component: string, env: string, secretKey: string, airflowName: string) => {
    const item = envOf(v, component).find((e) => e.name === env);
    const ref = item?.valueFrom?.secretKeyRef;
    if (item === undefined) problems.push(`${component}.env: no ${env}`);
    else if (item.value !== undefined || ref === undefined)
      problems.push(`${component}.env ${env}: not from a Kubernetes Secret (secretKeyRef)`);
    else {
      if (!ref.name) problems.push(`${component}.env ${env}: secretKeyRef names no Secret`);
      if (ref.key !== secretKey)
        problems.push(`${component}.env ${env}: key ${ref.key}, expected ${secretKey}`);
      const optional = !(required.get(airflowName) ?? true);
      if ((ref.optional ?? false) !== optional)
        problems.push(`${component}.env ${env}: optional should be ${optional}`);
    }
  };
  for (const [name, source] of Object.entries(project.secrets)) {
    if ('variable' in source) check('workers', variableEnv(source.variable), name, source.variable);
    else check('workers', connectionEnv(source.connection), name, source.connection);
  }
  const webhook = project.failure_webhook_connection;
  if (webhook !== undefined)
    check('dagProcessor', connectionEnv(webhook), 'FAILURE_WEBHOOK_CONNECTION', webhook);
  return problems;
}

/** Keys of the chart that take a secret value inline; each must be absent or null here. */
const INLINE_SECRET_KEYS = new Set([
  'fernetKey',
  'jwtSecret',
  'apiSecretKey',
  'webserverSecretKey',
  'password',
  'pass',
  'brokerUrl',
  'metadataConnection',
  'resultBackendConnection',
  'sshKey',
  'keytabBase64Content',
  'defaultUser',
  'extraSecrets',
]);
const SECRET_ENV_NAME = /^AIRFLOW_(VAR|CONN)_|PASSWORD|TOKEN|SECRET|_KEY$|PASSCODE|_URL$/;

/** Every place the file holds a secret value rather than a reference to one, as `path: what`. */
function secretValueProblems(v: Json, where = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((item, i) => secretValueProblems(item, `${where}[${i}]`));
  if (v === null || typeof v !== 'object') {
    return typeof v === 'string' && resources.known_defaults.includes(v)
      ? [`${where}: a published default secret value`]
      : [];
  }
  const problems: string[] = [];
  const name = v.name;
  if (typeof name === 'string' && 'value' in v && SECRET_ENV_NAME.test(name))
    problems.push(`${where}: ${name} has a literal value (use valueFrom.secretKeyRef)`);
  for (const [key, child] of Object.entries(v)) {
    const at = where ? `${where}.${key}` : key;
    if (INLINE_SECRET_KEYS.has(key) && child !== null)
      problems.push(`${at}: set inline (use the *SecretName value)`);
    problems.push(...secretValueProblems(child, at));
  }
  return problems;
}

/** deploy/helm/Dockerfile's COPY lines: image path → repository path (context: airflow/). */
function imageCopies(): Map<string, string> {
  const text = fs.readFileSync(path.join(helmDir, 'Dockerfile'), 'utf8');
  const copies = new Map<string, string>();
  for (const m of text.matchAll(/^COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)\s*$/gm)) {
    copies.set(m[2] ?? '', path.join(repoRoot, 'airflow', m[1] ?? ''));
  }
  return copies;
}

describe('deploy/helm/values.yaml against the chart values schema', () => {
  it('the vendored schema is draft-07 and names where it comes from', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema');
    const readme = fs.readFileSync(path.join(helmDir, 'airflow-chart/README.md'), 'utf8');
    expect(readme).toMatch(/\b[0-9a-f]{40}\b/);
  });

  it('validates', () => {
    expect(schemaErrors(values)).toEqual([]);
  });

  it('sets no top-level key the schema does not declare (a typo would be ignored by the chart)', () => {
    const declared = Object.keys(schema.properties as object);
    expect(Object.keys(values).filter((k) => !declared.includes(k))).toEqual([]);
  });

  it('a broken copy fails: wrong types, unknown keys, a secretKeyRef without its key', () => {
    const cases: [string, (v: Values) => void, string][] = [
      ['executor as a number', (v) => Object.assign(v, { executor: 42 }), '/executor'],
      ['misspelt executor', (v) => Object.assign(v, { executor: 'kubernetes' }), '/executor'],
      [
        'job args as one string',
        (v) => Object.assign(v.migrateDatabaseJob as Values, { args: 'airflow db migrate' }),
        '/migrateDatabaseJob/args',
      ],
      [
        'unknown key in workers',
        (v) => Object.assign(v.workers as Values, { serviceAcount: {} }),
        '/workers',
      ],
      [
        'secretKeyRef without key',
        (v) => {
          const ref = envOf(v, 'workers')[0]?.valueFrom?.secretKeyRef as Record<string, unknown>;
          delete ref.key;
        },
        '/workers/env/0/valueFrom/secretKeyRef',
      ],
    ];
    for (const [what, breakIt, instancePath] of cases) {
      const broken = clone(values);
      breakIt(broken);
      const paths = schemaErrors(broken).map((e) => e.instancePath);
      expect(paths, what).toContain(instancePath);
    }
  });
});

describe('deploy/helm/values.yaml: what the deployment relies on', () => {
  it('runs the KubernetesExecutor on the Airflow version of the image, without Celery', () => {
    expect(values.executor).toBe('KubernetesExecutor');
    const from = /^FROM apache\/airflow:(\d+\.\d+\.\d+)/m.exec(
      fs.readFileSync(path.join(repoRoot, 'airflow/Dockerfile'), 'utf8'),
    );
    expect(values.airflowVersion).toBe(from?.[1]);
    expect((values.redis as Values).enabled).toBe(false);
    expect(values.allowPodLaunching).toBe(true);
  });

  it('uses an image with the DAG files and the bootstrap on top of the compose Airflow image', () => {
    const compose = readYaml(path.join(repoRoot, 'docker-compose.yml')) as {
      'x-airflow-common': { image: string };
    };
    const dockerfile = fs.readFileSync(path.join(helmDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG BASE_IMAGE=${compose['x-airflow-common'].image}`);
    const copies = imageCopies();
    expect(copies.get('/opt/airflow/dags/')).toBe(path.join(repoRoot, 'airflow/dags/'));
    expect(copies.get('/opt/airflow/bootstrap/')).toBe(path.join(repoRoot, 'airflow/bootstrap/'));
    // The migration job must run this image, not the stock one without the bootstrap.
    expect((values.images as Values | undefined)?.useDefaultImageForMigration).not.toBe(true);
  });

  it('supplies every secret of _project.yaml from a Kubernetes Secret', () => {
    expect(Object.keys(project.secrets).length).toBeGreaterThan(0);
    expect(secretSupplyProblems(values)).toEqual([]);
    // Each check can fail: a missing entry, a literal value, a wrong key or optionality.
    const broken = clone(values);
    const env = envOf(broken, 'workers');
    env.splice(
      env.findIndex((e) => e.name === 'AIRFLOW_VAR_ADTECH_PG_URL'),
      1,
    );
    const clickhouse = env.find((e) => e.name === 'AIRFLOW_VAR_ADTECH_CLICKHOUSE_PASSWORD');
    if (clickhouse === undefined) throw new Error('no ClickHouse password entry');
    clickhouse.value = 'x';
    delete clickhouse.valueFrom;
    const token = env.find((e) => e.name === 'AIRFLOW_VAR_ADTECH_HTTP_EXPORT_TOKEN');
    if (token?.valueFrom?.secretKeyRef === undefined) throw new Error('no export token entry');
    token.valueFrom.secretKeyRef.optional = false;
    expect(secretSupplyProblems(broken)).toEqual([
      'workers.env AIRFLOW_VAR_ADTECH_CLICKHOUSE_PASSWORD: not from a Kubernetes Secret (secretKeyRef)',
      'workers.env: no AIRFLOW_VAR_ADTECH_PG_URL',
      'workers.env AIRFLOW_VAR_ADTECH_HTTP_EXPORT_TOKEN: optional should be true',
    ]);
  });

  it('takes the metadata database and Airflow keys from existing Secrets and holds no secret value', () => {
    const data = values.data as Values;
    expect(typeof data.metadataSecretName).toBe('string');
    for (const key of ['fernetKeySecretName', 'apiSecretKeySecretName', 'jwtSecretName'])
      expect(typeof values[key], key).toBe('string');
    expect((values.postgresql as Values).enabled).toBe(false);
    expect(secretValueProblems(values)).toEqual([]);
    // The scan finds inline keys, literal secret env values and published defaults.
    const broken = clone(values);
    Object.assign(broken, { fernetKey: 'ZmFrZQ==' });
    Object.assign(broken.data as Values, { metadataConnection: { pass: 'airflow' } });
    envOf(broken, 'createUserJob').push({ name: 'AIRFLOW_ADMIN_PASSWORD', value: 'admin' });
    expect(secretValueProblems(broken)).toEqual([
      'data.metadataConnection: set inline (use the *SecretName value)',
      'data.metadataConnection.pass: set inline (use the *SecretName value)',
      'data.metadataConnection.pass: a published default secret value',
      'createUserJob.env[2]: AIRFLOW_ADMIN_PASSWORD has a literal value (use valueFrom.secretKeyRef)',
      'createUserJob.env[2].value: a published default secret value',
      'fernetKey: set inline (use the *SecretName value)',
    ]);
  });
});

describe('the migration job creates the pools of _project.yaml (real Airflow 3.3.2)', () => {
  let airflow: RealAirflow;
  beforeAll(async () => {
    airflow = await startRealAirflow();
  });
  afterAll(() => airflow?.close());

  it('runs db migrate and the bootstrap with --pools-only: every pool, no Variable', async () => {
    const args = (values.migrateDatabaseJob as Values).args as string[];
    expect(args.slice(0, 2)).toEqual(['bash', '-c']);
    // The script as the image runs it, its image paths replaced by the repository folders the
    // Dockerfile copies there; a path the image does not have stays unmapped and fails the run.
    let script = args[2] ?? '';
    for (const [imagePath, repoPath] of imageCopies())
      script = script.replaceAll(imagePath, repoPath);
    const run = await execa('bash', ['-c', script], {
      env: airflow.env,
      extendEnv: false,
      reject: false,
      cwd: airflow.dir,
    });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/bootstrap: pools: /);

    const pools = lastJson(await airflow.cli(['pools', 'list', '-o', 'json'])) as {
      pool: string;
      slots: string;
      description: string;
    }[];
    const created = Object.fromEntries(
      pools.filter((p) => p.pool !== 'default_pool').map((p) => [p.pool, p]),
    );
    expect(Object.keys(created).sort()).toEqual(Object.keys(project.pools).sort());
    for (const [name, pool] of Object.entries(project.pools)) {
      expect(created[name]?.slots, name).toBe(String(pool.slots));
      expect(created[name]?.description, name).toBe(pool.description ?? '');
    }
    // Variables come from the environment on Kubernetes; the job stores none.
    const variables = await airflow.cli(['variables', 'list', '-o', 'json']);
    expect(lastJson(variables)).toEqual([]);
  });
});
