import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import {
  type ComposeService,
  composePath,
  loadCompose,
  SHIPPED_DEFAULT_SECRETS,
} from './stack-files.js';

/**
 * docker-compose.yml checked without a Docker engine: the Compose Specification JSON schema
 * (shipped by dclint, run through ajv) plus dclint's correctness and security rules. Its pure
 * style rules (key order, alphabetical services) are off; `no-build-and-image` is off because
 * building AND tagging an image is how compose names the images the generated DAGs run.
 */
const linter = new DCLinter({
  rules: {
    'no-build-and-image': 0,
    'no-duplicate-container-names': 2,
    'no-duplicate-exported-ports': 2,
    'no-quotes-in-volumes': 2,
    'no-unbound-port-interfaces': 2,
    'no-version-field': 2,
    'require-project-name-field': 2,
    'require-quotes-in-ports': 0,
    'service-container-name-regex': 2,
    'service-dependencies-alphabetical-order': 0,
    'service-image-require-explicit-tag': 2,
    'service-keys-order': 0,
    'service-ports-alphabetical-order': 0,
    'services-alphabetical-order': 0,
    'top-level-properties-order': 0,
  },
  quiet: true,
  debug: false,
  exclude: [],
});

function lint(file: string): string[] {
  const [result] = linter.lintFiles([file], false);
  // dclint's .d.ts files use extension-less imports that NodeNext cannot follow, so its message
  // type arrives as `any`; this is its documented shape.
  const messages: { line: number; rule: string; message: string }[] = result?.messages ?? [];
  return messages.map((m) => `${file}:${m.line}: ${m.rule}: ${m.message}`);
}

const compose = loadCompose();

/** The secrets scripts/init-env generates (see test/scripts/init-env.test.ts). */
const GENERATED_SECRETS = [
  'AIRFLOW_ADMIN_PASSWORD',
  'SUPERSET_ADMIN_PASSWORD',
  'AIRFLOW_DB_PASSWORD',
  'CLICKHOUSE_PASSWORD',
  'OLTP_PG_PASSWORD',
  'AIRFLOW_FERNET_KEY',
  'AIRFLOW_JWT_SECRET',
  'AIRFLOW_API_SECRET_KEY',
  'SUPERSET_SECRET_KEY',
];
const services = Object.entries(compose.services);

/** One-shot services (init, seed) exit; everything else must say when it is healthy. */
const isOneShot = (service: ComposeService) => service.restart === 'no';

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification and passes the lint rules', () => {
    expect(lint(composePath)).toEqual([]);
  });

  it('the validator rejects a broken compose file (so the check above can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const broken = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(
      broken,
      'name: x\nservices:\n  a:\n    image: busybox:1.37\n    depends_on:\n      b:\n        condition: when_ready\n',
    );
    expect(lint(broken).join('\n')).toMatch(/invalid-schema/);
    fs.writeFileSync(broken, 'name: x\nservices:\n  a:\n    image: busybox:latest\n');
    expect(lint(broken).join('\n')).toMatch(/service-image-require-explicit-tag/);
  });

  it('pins every image to a concrete version', () => {
    for (const [name, service] of services) {
      const image = service.image;
      expect(image, `service ${name} has no image`).toBeDefined();
      expect(image, `service ${name}`).toMatch(/:[0-9][\w.-]*$/);
    }
  });

  it('gives every long-running service a health check', () => {
    const missing = services
      .filter(([, s]) => !isOneShot(s))
      .filter(([, s]) => !s.healthcheck?.test)
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('waits on health or on successful completion, never on a bare start of a stateful service', () => {
    for (const [name, service] of services) {
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on unknown service ${dependency}`).toBeDefined();
        if (!target) continue;
        const expected = isOneShot(target) ? 'service_completed_successfully' : 'service_healthy';
        // The scheduler only needs the dbt container to exist (it runs the image, not the
        // container), so waiting for its slow `dbt debug` health check would delay Airflow.
        if (name === 'airflow-scheduler' && dependency === 'dbt') continue;
        expect(condition.condition, `${name} → ${dependency}`).toBe(expected);
      }
    }
  });

  it('uses the fixed network name the generated DAG tasks join', () => {
    expect(compose.networks?.default?.name).toBe('adtech-pipeline');
  });

  it('builds and tags the extractor and dbt images with the project-wide names', () => {
    const built = services
      .filter(([, s]) => s.build)
      .map(([, s]) => [s.build?.dockerfile, s.image]);
    expect(built).toContainEqual(['extractors/Dockerfile', 'adtech-pipeline/extractors:0.1.0']);
    expect(built).toContainEqual(['dbt/Dockerfile', 'adtech-pipeline/dbt:0.1.0']);
    expect(compose.services.dbt?.container_name).toBe('dbt');
  });

  it('runs DockerOperator tasks from the scheduler with the host Docker socket', () => {
    const scheduler = compose.services['airflow-scheduler'];
    expect(scheduler?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    // DOCKER_GID has no default (0 fails on Linux, where the socket is root:docker 0660): compose
    // refuses to start without it and says how to find it.
    expect(scheduler?.group_add).toEqual([
      expect.stringMatching(/^\$\{DOCKER_GID:\?[^}]*stat -c %g \/var\/run\/docker\.sock[^}]*\}$/),
    ]);
    expect(scheduler?.environment?.AIRFLOW__CORE__EXECUTOR).toBe('LocalExecutor');
  });

  it("airflow-init has the scheduler's user, groups and socket, so its socket check holds for the scheduler", () => {
    const init = compose.services['airflow-init'];
    const scheduler = compose.services['airflow-scheduler'];
    expect(init?.group_add).toEqual(scheduler?.group_add);
    const user = (service: unknown) => (service as { user?: string } | undefined)?.user;
    expect(user(init)).toBe(user(scheduler));
    expect(init?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    // reserialize (to pause DAGs) needs the DAG folder.
    expect(init?.volumes).toContain('./airflow/dags:/opt/airflow/dags:ro');
    expect(init?.command).toEqual(['bash', '/opt/airflow/bootstrap/init.sh']);
    // Migration and the admin user are init.sh's steps: the image entrypoint's hide failures.
    expect(Object.keys(init?.environment ?? {}).filter((k) => k.startsWith('_AIRFLOW_'))).toEqual(
      [],
    );
  });

  it('keeps Airflow metadata in its own database, apart from the OLTP source', () => {
    const conn =
      compose.services['airflow-scheduler']?.environment?.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN;
    expect(conn).toMatch(/@airflow-db:5432\/airflow$/);
    expect(compose.services.postgres?.environment?.POSTGRES_DB).toBe('adtech');
  });

  it('takes every interpolated variable it uses from .env.example', () => {
    const text = fs.readFileSync(composePath, 'utf8');
    const used = new Set(
      [...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}/g)].map((m) => m[1]),
    );
    const example = fs.readFileSync(path.join(path.dirname(composePath), '.env.example'), 'utf8');
    const declared = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('writes no secret literal: every password and secret key is interpolated from .env', () => {
    const leaks: string[] = [];
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!/PASSWORD|SECRET|TOKEN|FERNET/.test(key)) continue;
        if (!/^\$\{[A-Z0-9_]+(:-|:\?[^}]*)?\}$/.test(String(value))) leaks.push(`${name}.${key}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('requires every generated secret (no default: compose refuses to start without it)', () => {
    const text = fs.readFileSync(composePath, 'utf8');
    const uses = [...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)((?::?[-?])[^}]*)?\}/g)];
    const secretUses = uses.filter((m) => GENERATED_SECRETS.includes(m[1] ?? ''));
    expect(new Set(secretUses.map((m) => m[1]))).toEqual(new Set(GENERATED_SECRETS));
    const notRequired = secretUses.filter((m) => !m[2]?.startsWith(':?')).map((m) => m[0]);
    expect(notRequired).toEqual([]);
    for (const m of secretUses) expect(m[2]).toMatch(/init-env/);
    // The Fernet key, the JWT and API secrets reach every Airflow component.
    const env = compose.services['airflow-scheduler']?.environment ?? {};
    expect(env.AIRFLOW__CORE__FERNET_KEY).toMatch(/^\$\{AIRFLOW_FERNET_KEY:\?/);
    expect(env.AIRFLOW__API_AUTH__JWT_SECRET).toMatch(/^\$\{AIRFLOW_JWT_SECRET:\?/);
    expect(env.AIRFLOW__API__SECRET_KEY).toMatch(/^\$\{AIRFLOW_API_SECRET_KEY:\?/);
  });

  it('ships no default secret: .env.example leaves every secret empty, compose has none of the old values', () => {
    const example = fs.readFileSync(path.join(path.dirname(composePath), '.env.example'), 'utf8');
    const values = new Map(
      [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    expect(GENERATED_SECRETS.filter((name) => values.get(name) !== '')).toEqual([]);
    expect(values.get('DOCKER_GID')).toBe('');
    const text = fs.readFileSync(composePath, 'utf8');
    for (const known of SHIPPED_DEFAULT_SECRETS) {
      // `admin` and `airflow` are also user names; as a secret's default they are gone.
      if (known.length > 8) expect(text, known).not.toContain(known);
      expect(text, known).not.toMatch(
        new RegExp(`\\$\\{\\w*(PASSWORD|SECRET|KEY)\\w*:?-${known}\\}`),
      );
      if (known.length > 8) expect(example, known).not.toContain(known);
    }
  });
});
