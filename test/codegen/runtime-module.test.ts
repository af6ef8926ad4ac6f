/**
 * The runtime module every generated DAG file imports (airflow/plugins/adtech_airflow_runtime.py):
 * linted with ruff, and unit-tested with pytest (airflow/tests) on real Airflow 2.11 and 3.x from
 * the locked virtualenvs. A virtualenv that cannot be installed fails these tests; none is skipped.
 * Also: the generated files pass pyflakes (no unused or undefined names), and the local runner's
 * windowFor agrees with the module's window on the shared cases (airflow/tests/window_cases.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { windowFor } from '../../codegen/index.js';
import { ensurePythonTool } from '../../python/tools.js';
import { repoRoot } from './helpers.js';

/** Every Python file we write by hand (airflow/ruff.toml under airflow/, ruff.toml elsewhere). */
const HAND_WRITTEN = [
  'airflow/plugins',
  'airflow/tests',
  'airflow/bootstrap',
  'superset/bootstrap',
  'python/superset',
  'bench',
  'test/airflow',
  'test/clickhouse-server',
];
const GENERATED = [
  'airflow/dags',
  'test/fixtures/codegen/golden/expected',
  'test/fixtures/codegen/golden-kubernetes/expected',
];

async function ruff(args: string[]) {
  const tool = await ensurePythonTool('ruff');
  const [command = 'check', ...rest] = args;
  return execa(tool.bin('ruff'), [command, '--no-cache', ...rest], {
    cwd: repoRoot,
    reject: false,
    all: true,
  });
}

describe('ruff', () => {
  it('finds nothing in the Python we write by hand (airflow/ruff.toml, ruff.toml)', async () => {
    const result = await ruff(['check', ...HAND_WRITTEN]);
    expect(result.all, result.all).toContain('All checks passed!');
    expect(result.exitCode).toBe(0);
  }, 120_000);

  it('finds them formatted', async () => {
    const result = await ruff(['format', '--check', ...HAND_WRITTEN]);
    expect(result.exitCode, result.all).toBe(0);
  }, 120_000);

  it('finds no unused import or undefined name in the generated files (pyflakes rules)', async () => {
    const result = await ruff(['check', '--isolated', '--select', 'F,E9', ...GENERATED]);
    expect(result.exitCode, result.all).toBe(0);
  }, 120_000);
});

describe.each(['airflow-2', 'airflow-3'] as const)('pytest on %s', (tool) => {
  it('passes every test of airflow/tests, with none skipped', async () => {
    const airflow = await ensurePythonTool(tool);
    const result = await execa(
      airflow.python,
      ['-m', 'pytest', '-q', '-rs', path.join(repoRoot, 'airflow/tests')],
      { cwd: repoRoot, reject: false, all: true, env: { PYTHONDONTWRITEBYTECODE: '1' } },
    );
    expect(result.exitCode, result.all.slice(-6000)).toBe(0);
    const summary = result.all.trim().split('\n').at(-1) ?? '';
    expect(summary).toMatch(/^\d+ passed in /);
    expect(Number(/^(\d+) passed/.exec(summary)?.[1])).toBeGreaterThanOrEqual(30);
  }, 600_000);
});

describe('run window', () => {
  const { timezone, cases } = JSON.parse(
    readFileSync(path.join(repoRoot, 'airflow/tests/window_cases.json'), 'utf8'),
  ) as {
    timezone: string;
    cases: {
      why: string;
      data_interval_start?: string | null;
      data_interval_end?: string | null;
      run_after?: string;
      expected: [string, string];
    }[];
  };

  it.each(cases.map((c) => [c.why, c] as const))(
    'windowFor (the local runner) agrees with the runtime module: %s',
    (_, c) => {
      const date = (text: string | null | undefined) => (text ? new Date(text) : null);
      const window = windowFor({
        dataIntervalStart: date(c.data_interval_start),
        dataIntervalEnd: date(c.data_interval_end),
        runAfter: date(c.run_after) ?? new Date(0),
        timezone,
      });
      expect([window.since, window.until]).toEqual(c.expected);
    },
  );
});
