import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { repoRoot } from './stack-files.js';

/** The shell and Python scripts compose runs, checked here: syntax, and the OLTP seed job for real. */

describe('stack scripts', () => {
  it.each(['airflow/bootstrap/init.sh', 'superset/bootstrap/init.sh'])(
    '%s is valid bash',
    async (script) => {
      const result = await execa('bash', ['-n', path.join(repoRoot, script)], { reject: false });
      expect(result.exitCode, result.stderr).toBe(0);
    },
  );

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
