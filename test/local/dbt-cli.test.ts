/** `npm run dbt`: --help does no work; with no warehouse to talk to it says what to start (exit 2). */
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

const dbtCli = (args: string[], env: Record<string, string>) =>
  execa('npx', ['tsx', path.join(repoRoot, 'local/dbt-cli.ts'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    extendEnv: false,
    reject: false,
  });

describe('npm run dbt', () => {
  it('--help prints usage and exits 0', async () => {
    const result = await dbtCli(['--help'], {});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run dbt -- <dbt command and flags>/);
  });

  it('exits 2 naming the local stack when no ClickHouse server is configured or running', async () => {
    const result = await dbtCli(['run'], { ADTECH_LOCAL_STACK: 'off' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'dbt needs a ClickHouse server: start the local one with `npm run local -- up` (or set CLICKHOUSE_URL)',
    );
  });

  it('never prints a malformed CLICKHOUSE_URL, which may hold a password', async () => {
    const result = await dbtCli(['run'], {
      ADTECH_LOCAL_STACK: 'off',
      CLICKHOUSE_URL: 'http://user:S3cr3t-pw@ bad host',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('CLICKHOUSE_URL is not a URL (value not shown)');
    expect(result.stderr).not.toContain('S3cr3t');
  });
});
