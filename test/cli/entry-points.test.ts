/**
 * Every entry point as a new user tries it, in a real process: `--help` prints the usage and does
 * nothing else (wherever it stands), and bad usage exits 2 with one line naming the flag or value.
 */
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { nodeTsx } from '../support/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function cli(script: string, ...args: string[]) {
  return execa(...nodeTsx(script, args), {
    cwd: ROOT,
    reject: false,
    stdin: 'ignore',
    // Whatever these did by mistake must not find a developer's running stack.
    env: { ADTECH_LOCAL_STACK: 'off', PG_URL: '', CLICKHOUSE_URL: '' },
    timeout: 60_000,
  });
}

describe('--help does no work', () => {
  it('bench: `--help` and `codegen --help` print the usage and run no benchmark', async () => {
    for (const args of [['--help'], ['codegen', '--help'], ['-h']]) {
      const result = await cli('bench/run.ts', ...args);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^usage: npm run bench/);
      expect(result.stdout).toMatch(/Benchmarks: .*codegen/);
      expect(result.stdout).not.toContain('=== bench');
    }
  });

  it('dag, demo, local, gen-dags and python-tools print usage even beside bad flags', async () => {
    for (const [script, usage] of [
      ['local/dag.ts', /usage:\n {2}npm run dag -- test/],
      ['local/demo.ts', /^usage: npm run demo/],
      ['local/stack-cli.ts', /^usage: npm run local/],
      ['codegen/cli.ts', /^usage: gen-dags/],
      ['python/cli.ts', /^usage: npm run python-tools/],
    ] as const) {
      const result = await cli(script, '--bogus', '--help');
      expect(result.exitCode, `${script}: ${result.stderr}`).toBe(0);
      expect(result.stdout, script).toMatch(usage);
    }
  });
});

describe('bad usage exits 2, naming what is wrong', () => {
  it('bench: an unknown benchmark or a flag without a value', async () => {
    const unknown = await cli('bench/run.ts', 'nope');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^bench: unknown benchmark\(s\): nope; available: /);
    const flag = await cli('bench/run.ts', 'codegen', '--rows');
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/^bench: options pass through as --flag=value, got --rows/);
  });

  it('demo: bad values and unknown flags exit 2 (they exited 1)', async () => {
    const seed = await cli('local/demo.ts', '--seed', 'x');
    expect(seed.exitCode).toBe(2);
    expect(seed.stderr).toMatch(/^demo: --seed must be an integer, got 'x'\n/);
    const port = await cli('local/demo.ts', '--pg-port', '70000');
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toMatch(
      /^demo: --pg-port must be a TCP port number \(1-65535\), got '70000'/,
    );
    const unknown = await cli('local/demo.ts', '--wtach');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^demo: Unknown option '--wtach'/);
  });

  it('dag test: days that do not exist are usage errors naming --date and the value', async () => {
    for (const date of ['2026-02-30', '2026-13-45']) {
      const result = await cli('local/dag.ts', 'test', 'oltp_to_clickhouse', '--date', date);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(`dag: --date must be YYYY-MM-DD, got '${date}' (no such day)`);
      expect(result.stdout).toBe('');
    }
    const noDag = await cli('local/dag.ts', 'test');
    expect(noDag.exitCode).toBe(2);
    expect(noDag.stderr).toMatch(/^dag: test needs a <dag_id>/);
  });

  it('local, gen-dags and python-tools: one prefix, no class names', async () => {
    for (const [script, args, line] of [
      ['local/stack-cli.ts', ['sideways'], /^local: unknown command 'sideways'\n/],
      ['local/stack-cli.ts', ['up', '--pg-port', 'x'], /^local: --pg-port must be a TCP port/],
      ['codegen/cli.ts', ['--bogus'], /^gen-dags: Unknown option '--bogus'/],
      ['python/cli.ts', ['lock'], /^python-tools: lock takes exactly one tool name\n/],
      ['clickhouse-server/cli.ts', ['--port', 'x'], /^clickhouse: --port must be a number ≥ 0/],
    ] as const) {
      const result = await cli(script, ...args);
      expect(result.exitCode, `${script}: ${result.stderr}`).toBe(2);
      expect(result.stderr, script).toMatch(line);
      expect(result.stderr, script).not.toMatch(/\w+Error:/);
    }
  });
});
