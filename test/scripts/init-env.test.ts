import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

/**
 * scripts/init-env run for real (bash) on a copy of the repository's .env.example in a temp dir:
 * the first-start step that creates .env with every secret before `docker compose up`.
 */

const SECRETS = {
  password: [
    'AIRFLOW_ADMIN_PASSWORD',
    'SUPERSET_ADMIN_PASSWORD',
    'AIRFLOW_DB_PASSWORD',
    'CLICKHOUSE_PASSWORD',
    'OLTP_PG_PASSWORD',
  ],
  key: ['AIRFLOW_JWT_SECRET', 'AIRFLOW_API_SECRET_KEY', 'SUPERSET_SECRET_KEY'],
  fernet: ['AIRFLOW_FERNET_KEY'],
};
const ALL = [...SECRETS.password, ...SECRETS.key, ...SECRETS.fernet];

let dir: string;
let envFile: string;
let socket: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'init-env-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(repoRoot, 'scripts/init-env'), path.join(dir, 'scripts/init-env'));
  fs.copyFileSync(path.join(repoRoot, '.env.example'), path.join(dir, '.env.example'));
  envFile = path.join(dir, '.env');
  // A unix socket standing in for the Docker engine's: init-env only reads its group.
  socket = path.join(dir, 'docker.sock');
  await execa('python3', [
    '-c',
    'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    socket,
  ]);
});

const initEnv = (env: Record<string, string> = {}) =>
  execa('bash', [path.join(dir, 'scripts/init-env')], {
    reject: false,
    env: { DOCKER_SOCKET: socket, ...env },
  });

function readEnv(): Map<string, string> {
  const text = fs.readFileSync(envFile, 'utf8');
  return new Map([...text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('scripts/init-env', () => {
  it('is valid bash', async () => {
    const result = await execa('bash', ['-n', path.join(repoRoot, 'scripts/init-env')], {
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.statSync(path.join(repoRoot, 'scripts/init-env')).mode & 0o111).not.toBe(0);
  });

  it('creates .env (mode 0600) with every secret generated, and prints the admin passwords once', async () => {
    const result = await initEnv();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readEnv();
    for (const name of SECRETS.password) expect(env.get(name), name).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const name of SECRETS.key) expect(env.get(name), name).toMatch(/^[A-Za-z0-9]{64}$/);
    // Fernet: urlsafe base64 of 32 bytes.
    const fernet = env.get('AIRFLOW_FERNET_KEY') ?? '';
    expect(fernet).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(fernet, 'base64url')).toHaveLength(32);
    // Every value differs (fresh randomness for each).
    expect(new Set(ALL.map((name) => env.get(name))).size).toBe(ALL.length);
    // Comments and the non-secret values of the example are kept.
    expect(env.get('CLICKHOUSE_USER')).toBe('pipeline');
    expect(env.get('AIRFLOW_PORT')).toBe('8080');
    expect(fs.readFileSync(envFile, 'utf8')).toMatch(/^# --- Airflow -+$/m);

    // The admin passwords are printed (once), no other secret is.
    expect(result.stdout).toContain(`user admin  password ${env.get('AIRFLOW_ADMIN_PASSWORD')}`);
    expect(result.stdout).toContain(`user admin  password ${env.get('SUPERSET_ADMIN_PASSWORD')}`);
    for (const name of ALL.filter((n) => !n.endsWith('ADMIN_PASSWORD'))) {
      expect(`${result.stdout}${result.stderr}`).not.toContain(env.get(name));
    }
    // DOCKER_GID is the socket's group.
    expect(env.get('DOCKER_GID')).toBe(String(fs.statSync(socket).gid));

    // Idempotent: a second run changes nothing and prints no password.
    const before = fs.readFileSync(envFile, 'utf8');
    const again = await initEnv();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(fs.readFileSync(envFile, 'utf8')).toBe(before);
    expect(again.stdout).not.toMatch(/password/);
    expect(again.stdout).not.toContain(env.get('AIRFLOW_ADMIN_PASSWORD'));
  });

  it('keeps the values a user set and fills only the empty ones (also missing lines of an old .env)', async () => {
    const example = fs.readFileSync(path.join(dir, '.env.example'), 'utf8');
    fs.writeFileSync(
      envFile,
      example
        .replace(/^CLICKHOUSE_PASSWORD=$/m, 'CLICKHOUSE_PASSWORD=my-own-ch-password')
        .replace(/^DOCKER_GID=$/m, 'DOCKER_GID=999')
        .replace(/^SUPERSET_SECRET_KEY=$/m, 'SUPERSET_SECRET_KEY=""')
        .replace(/^AIRFLOW_JWT_SECRET=\n/m, ''),
      { mode: 0o644 },
    );
    const result = await initEnv();
    expect(result.exitCode, result.stderr).toBe(0);
    const env = readEnv();
    expect(env.get('CLICKHOUSE_PASSWORD')).toBe('my-own-ch-password');
    expect(env.get('DOCKER_GID')).toBe('999');
    expect(env.get('SUPERSET_SECRET_KEY')).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(env.get('AIRFLOW_JWT_SECRET')).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect(result.stdout).not.toMatch(/CLICKHOUSE_PASSWORD/);
  });

  it('refuses a published default value, naming it, and leaves it alone', async () => {
    const example = fs.readFileSync(path.join(dir, '.env.example'), 'utf8');
    fs.writeFileSync(
      envFile,
      example
        .replace(/^AIRFLOW_ADMIN_PASSWORD=$/m, 'AIRFLOW_ADMIN_PASSWORD=admin')
        .replace(/^AIRFLOW_JWT_SECRET=$/m, 'AIRFLOW_JWT_SECRET=local-only-jwt-secret-change-me'),
    );
    const result = await initEnv();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/AIRFLOW_ADMIN_PASSWORD .* is the published default 'admin'/);
    expect(result.stderr).toMatch(/AIRFLOW_JWT_SECRET .* published default/);
    const env = readEnv();
    expect(env.get('AIRFLOW_ADMIN_PASSWORD')).toBe('admin');
    // The other secrets are generated all the same.
    expect(env.get('AIRFLOW_FERNET_KEY')).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });

  it('fails, saying what to set, when DOCKER_GID is empty and there is no socket to read it from', async () => {
    const result = await initEnv({ DOCKER_SOCKET: path.join(dir, 'missing.sock') });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/DOCKER_GID is empty .*stat -c %g \/var\/run\/docker\.sock/);
    expect(readEnv().get('DOCKER_GID')).toBe('');
    // The secrets are written all the same, so the next run (with DOCKER_GID set) keeps them.
    expect(readEnv().get('AIRFLOW_ADMIN_PASSWORD')).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
