import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { repoRoot } from './stack-files.js';

/** The shell and Python scripts compose runs, checked here: syntax, and the OLTP seed job for real. */

describe('stack scripts', () => {
  it.each([
    'airflow/bootstrap/init.sh',
    'airflow/bootstrap/check-docker-socket.sh',
    'superset/bootstrap/init.sh',
  ])('%s is valid bash', async (script) => {
    const result = await execa('bash', ['-n', path.join(repoRoot, script)], { reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('postgres/seed.sh is valid POSIX sh', async () => {
    const result = await execa('sh', ['-n', path.join(repoRoot, 'postgres/seed.sh')], {
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it.each(['airflow/bootstrap/bootstrap.py', 'superset/bootstrap/superset_config.py'])(
    '%s is valid Python',
    async (script) => {
      const result = await execa(
        'python3',
        ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', path.join(repoRoot, script)],
        {
          reject: false,
        },
      );
      expect(result.exitCode, result.stderr).toBe(0);
    },
  );
});

describe('postgres/seed.sh (the oltp-seed service)', () => {
  let postgres: TestPostgres;
  let bin: string;

  beforeAll(async () => {
    postgres = await startPostgres();
    // In the extractor image `generate` is on PATH; here it runs the same CLI from source.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-bin-'));
    fs.writeFileSync(
      path.join(bin, 'generate'),
      `#!/bin/sh\nexec "${repoRoot}/node_modules/.bin/tsx" "${repoRoot}/generator/cli.ts" "$@"\n`,
      { mode: 0o755 },
    );
  });

  afterAll(async () => {
    await postgres?.stop();
    fs.rmSync(bin, { recursive: true, force: true });
  });

  const seed = () =>
    execa('sh', [path.join(repoRoot, 'postgres/seed.sh')], {
      env: { PATH: `${bin}:${process.env.PATH}`, PG_URL: postgres.url, OLTP_SEED: '7' },
      reject: false,
      all: true,
    });

  const counts = async () => {
    const client = postgres.client();
    await client.connect();
    try {
      const result = await client.query<{ campaigns: string; impressions: string }>(
        'SELECT (SELECT count(*) FROM campaign) AS campaigns, (SELECT count(*) FROM impressions) AS impressions',
      );
      return result.rows[0];
    } finally {
      await client.end();
    }
  };

  it('creates the schema and seeds one batch into an empty database, and nothing on a restart', async () => {
    const first = await seed();
    expect(first.exitCode, first.all).toBe(0);
    const seeded = await counts();
    expect(Number(seeded?.campaigns)).toBe(20);
    expect(Number(seeded?.impressions)).toBeGreaterThan(0);

    const again = await seed();
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/campaigns already exist; not seeding again/);
    expect(await counts()).toEqual(seeded);
  });

  it('fails when the database is unreachable', async () => {
    const result = await execa('sh', [path.join(repoRoot, 'postgres/seed.sh')], {
      env: { PATH: `${bin}:${process.env.PATH}`, PG_URL: 'postgresql://u:p@127.0.0.1:1/adtech' },
      reject: false,
      all: true,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/generate: .*(ECONNREFUSED|connect|reach)/i);
  });
});

/** A unix socket at `file`, owned by uid:gid with `mode` (we run as root in CI and here). */
async function makeSocket(file: string, uid: number, gid: number, mode: number) {
  await execa('python3', [
    '-c',
    'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    file,
  ]);
  fs.chownSync(file, uid, gid);
  fs.chmodSync(file, mode);
}

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('airflow/bootstrap/check-docker-socket.sh (run as a non-root user)', () => {
  const check = path.join(repoRoot, 'airflow/bootstrap/check-docker-socket.sh');
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-sock-'));
    fs.chmodSync(dir, 0o755);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The airflow user of the image: uid 50000, group 0, plus group_add (DOCKER_GID).
  const asAirflow = (socket: string, groups: number[]) =>
    execa(
      'setpriv',
      ['--reuid=50000', '--regid=0', `--groups=${groups.join(',')}`, 'bash', check, socket],
      { reject: false },
    );

  it('passes when DOCKER_GID is the group of a root:docker 0660 socket', async () => {
    const socket = path.join(dir, 'ok.sock');
    await makeSocket(socket, 0, 998, 0o660);
    const result = await asAirflow(socket, [0, 998]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Docker socket is usable \(group 998\)/);
  });

  it('fails saying which DOCKER_GID to set when the group is wrong (the old default 0)', async () => {
    const socket = path.join(dir, 'wrong.sock');
    await makeSocket(socket, 0, 998, 0o660);
    const result = await asAirflow(socket, [0]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /cannot use the Docker socket .*Permission denied.*Set DOCKER_GID=998 in \.env/,
    );
  });

  it('passes with group 0 on a root:root 0660 socket (Docker Desktop)', async () => {
    const socket = path.join(dir, 'desktop.sock');
    await makeSocket(socket, 0, 0, 0o660);
    expect((await asAirflow(socket, [0])).exitCode).toBe(0);
  });

  it('fails when no socket is mounted', async () => {
    const result = await asAirflow(path.join(dir, 'missing.sock'), [0]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/no Docker socket at/);
  });
});

describe('airflow/bootstrap/init.sh (stand-in airflow CLI, real bootstrap.py)', () => {
  let dir: string;
  let log: string;
  let socket: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-init-'));
    log = path.join(dir, 'log');
    socket = path.join(dir, 'docker.sock');
    await makeSocket(socket, process.getuid?.() ?? 0, process.getgid?.() ?? 0, 0o660);
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // `python` is what the image has; here it is python3.
    fs.symlinkSync(
      (await execa('sh', ['-c', 'command -v python3'])).stdout.trim(),
      path.join(bin, 'python'),
    );
    fs.writeFileSync(
      path.join(bin, 'airflow'),
      `#!/bin/sh
echo "$1 $2" >> "${log}"
[ "$1 $2" = "$FAIL" ] && { echo "boom: $1 $2" >&2; exit 4; }
[ "$1 $2" = "users create" ] && [ -n "$USER_EXISTS" ] && echo "admin already exist in the db"
[ "$1 $2" = "variables get" ] && echo "[]"
exit 0
`,
      { mode: 0o755 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const secrets = {
    AIRFLOW__CORE__FERNET_KEY: `${Buffer.alloc(32, 1).toString('base64url')}=`,
    AIRFLOW__API_AUTH__JWT_SECRET: 'j'.repeat(64),
    AIRFLOW__API__SECRET_KEY: 'k'.repeat(64),
    AIRFLOW_ADMIN_USER: 'admin',
    AIRFLOW_ADMIN_PASSWORD: 'Adm1nPassw0rd',
    AIRFLOW_DB_PASSWORD: 'Db1Passw0rd',
    CLICKHOUSE_PASSWORD: 'Ch1Passw0rd',
    OLTP_PG_PASSWORD: 'Pg1Passw0rd',
    PG_URL: 'postgresql://adtech:Pg1Passw0rd@postgres:5432/adtech',
  };
  const init = (env: Record<string, string>) => {
    fs.rmSync(log, { force: true });
    return execa('bash', [path.join(repoRoot, 'airflow/bootstrap/init.sh')], {
      reject: false,
      extendEnv: false,
      env: {
        PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
        DOCKER_SOCKET: socket,
        ...env,
      },
    });
  };
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

  it('migrates, creates the admin, imports and pauses the ad DAGs whose tokens are unset', async () => {
    const result = await init(secrets);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(calls()).toEqual([
      'db migrate',
      'users create',
      'variables get',
      'pools import',
      'variables import',
      // The only Connection (the failure webhook) is unset: skipped, nothing to import.
      'dags reserialize',
      'dags pause',
    ]);
    expect(result.stdout).toMatch(/created admin 'admin'/);
    expect(result.stdout).toMatch(
      /paused DAG facebook_ads_d1: set FACEBOOK_D1_ACCESS_TOKEN in \.env/,
    );
    expect(result.stdout).toMatch(/paused DAG google_ads_daily: set GOOGLE_ADS_CLIENT_ID, /);
    expect(result.stdout).not.toMatch(/paused DAG oltp_to_clickhouse/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/Passw0rd/);
  });

  it("resets an existing admin's password to .env's", async () => {
    const result = await init({ ...secrets, USER_EXISTS: '1' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(calls().slice(0, 3)).toEqual(['db migrate', 'users create', 'users reset-password']);
  });

  it('refuses a published default before touching the database', async () => {
    const result = await init({ ...secrets, AIRFLOW_ADMIN_PASSWORD: 'admin' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/AIRFLOW_ADMIN_PASSWORD is a published default value/);
    expect(calls()).toEqual([]);
  });

  it.each(['db migrate', 'users create', 'pools import'])(
    'stops with a non-zero exit when `airflow %s` fails',
    async (step) => {
      const result = await init({ ...secrets, FAIL: step });
      expect(result.exitCode).not.toBe(0);
      expect(calls().at(-1)).toBe(step);
      expect(result.stdout).not.toMatch(/airflow-init: done/);
    },
  );

  it('has no `|| true`', () => {
    for (const file of [
      'airflow/bootstrap/init.sh',
      'airflow/bootstrap/check-docker-socket.sh',
      'superset/bootstrap/init.sh',
    ]) {
      expect(fs.readFileSync(path.join(repoRoot, file), 'utf8'), file).not.toMatch(/\|\|\s*true/);
    }
  });
});

describe('superset/bootstrap/init.sh', () => {
  it.each([
    ['SUPERSET_SECRET_KEY', 'local-only-superset-secret-change-me'],
    ['SUPERSET_ADMIN_PASSWORD', 'admin'],
    ['SUPERSET_ADMIN_PASSWORD', ''],
  ])('refuses %s=%s before running superset', async (name, value) => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-bin-'));
    fs.writeFileSync(path.join(bin, 'superset'), '#!/bin/sh\necho "superset $*"\nexit 0\n', {
      mode: 0o755,
    });
    const result = await execa('bash', [path.join(repoRoot, 'superset/bootstrap/init.sh')], {
      reject: false,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        SUPERSET_SECRET_KEY: 's'.repeat(64),
        SUPERSET_ADMIN_USER: 'admin',
        SUPERSET_ADMIN_PASSWORD: 'Sup3rPassw0rd',
        [name]: value,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`refusing to start: ${name} is unset or a published default`),
    );
    expect(result.stdout).not.toMatch(/superset /);
    fs.rmSync(bin, { recursive: true, force: true });
  });
});
