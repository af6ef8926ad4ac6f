import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { IrDag, IrTask, RunValues } from '../../codegen/index.js';
import { runValuesFor } from '../../local/project.js';
import { dependencyOrder, type PlanOptions, planTask, runDag } from '../../local/runner.js';
import { repoRoot } from '../support/repo-root.js';

/** `dag test`'s core on hand-built IR: what each task becomes locally, order, and outcomes. */

const EXTRACTOR = 'adtech-pipeline/extractors:0.1.0';
const DBT = 'adtech-pipeline/dbt:0.1.0';

function task(overrides: Partial<IrTask> & Pick<IrTask, 'taskId'>): IrTask {
  return {
    specId: overrides.taskId,
    item: null,
    kind: 'container',
    source: null,
    description: null,
    image: EXTRACTOR,
    entrypoint: null,
    command: [],
    environment: {},
    secrets: [],
    upstream: [],
    outlets: [],
    retries: 0,
    retryDelaySeconds: 300,
    retryExponentialBackoff: false,
    maxRetryDelaySeconds: null,
    executionTimeoutSeconds: null,
    skipOnExitCodes: [],
    pool: 'default_pool',
    poolSlots: 1,
    location: { file: 'dag-specs/x.yaml', line: 1, col: 1 },
    ...overrides,
  };
}

function dag(tasks: IrTask[]): IrDag {
  return {
    dagId: 'x',
    specFile: 'dag-specs/x.yaml',
    specSha256: '',
    description: null,
    docMd: null,
    owner: 'airflow',
    tags: [],
    schedule: { kind: 'manual' },
    timezone: 'UTC',
    startDate: '2026-01-01T00:00:00',
    endDate: null,
    catchup: false,
    maxActiveRuns: 1,
    maxActiveTasks: 16,
    dagrunTimeoutSeconds: null,
    failureWebhookConnection: null,
    docker: { url: 'unix://var/run/docker.sock', network: 'adtech-pipeline' },
    target: 'docker',
    kubernetes: null,
    tasks,
  };
}

const values: RunValues = {
  windowStart: '2026-11-24',
  windowEnd: '2026-11-25',
  runId: 'local__2026-11-24',
};

const options = (env: NodeJS.ProcessEnv = {}): PlanOptions => ({
  repoRoot,
  env: { PATH: process.env.PATH, ...env },
  stackHosts: new Set(['clickhouse', 'postgres']),
  extractorImage: EXTRACTOR,
  dbtImage: DBT,
});

describe('local runner: planning', () => {
  it('runs an extract task through the extractor CLI with the rendered window and run id', () => {
    const plan = planTask(
      task({
        taskId: 'load',
        kind: 'extract',
        source: 'facebook-ads',
        command: [
          'facebook-ads',
          '--run-id',
          { template: 'run_id' },
          '--since',
          { template: 'window_start' },
          '--until',
          { template: 'window_end' },
          '--label',
          { concat: ['day=', { template: 'window_start' }] },
        ],
        environment: { CLICKHOUSE_URL: 'http://clickhouse:8123', LOG_FORMAT: 'json' },
        secrets: [
          {
            env: 'FACEBOOK_ACCESS_TOKEN',
            source: { kind: 'variable', key: 'facebook_access_token' },
          },
        ],
      }),
      values,
      options({ FACEBOOK_ACCESS_TOKEN: 'tok' }),
    );
    expect('command' in plan).toBe(true);
    if (!('command' in plan)) return;
    expect(plan.command.args).toEqual([
      `${repoRoot}/extractors/cli.ts`,
      'facebook-ads',
      '--run-id',
      'local__2026-11-24',
      '--since',
      '2026-11-24',
      '--until',
      '2026-11-25',
      '--label',
      'day=2026-11-24',
    ]);
    expect(plan.command.file).toBe(`${repoRoot}/node_modules/.bin/tsx`);
    // The stack's ClickHouse host does not exist here: unset, so the embedded engine is used.
    expect(plan.command.env.CLICKHOUSE_URL).toBeUndefined();
    expect(plan.command.env.LOG_FORMAT).toBe('json');
    expect(plan.command.env.FACEBOOK_ACCESS_TOKEN).toBe('tok');
    expect(plan.command.notes.join('\n')).toMatch(
      /CLICKHOUSE_URL: stack value http:\/\/clickhouse:8123/,
    );
    expect(plan.command.notes.join('\n')).toMatch(
      /secret FACEBOOK_ACCESS_TOKEN \(Airflow Variable facebook_access_token in the stack\): from the local environment/,
    );
    // Secret values never appear in the notes that get printed.
    expect(plan.command.notes.join('\n')).not.toMatch(/tok\b/);
  });

  it("keeps the local environment's value for a stack-only setting", () => {
    const plan = planTask(
      task({
        taskId: 'load',
        kind: 'extract',
        command: ['postgres'],
        environment: { CLICKHOUSE_URL: 'http://clickhouse:8123' },
      }),
      values,
      options({ CLICKHOUSE_URL: 'http://127.0.0.1:18123' }),
    );
    expect('command' in plan && plan.command.env.CLICKHOUSE_URL).toBe('http://127.0.0.1:18123');
  });

  it('runs the generate entrypoint of the extractor image through the generator CLI', () => {
    const plan = planTask(
      task({ taskId: 'traffic', entrypoint: ['generate'], command: ['random'] }),
      values,
      options(),
    );
    expect('command' in plan && plan.command.args).toEqual([
      `${repoRoot}/generator/cli.ts`,
      'random',
    ]);
  });

  it('runs dbt tasks with real dbt against the ClickHouse server the environment names', () => {
    const dbtTask = task({
      taskId: 'reports',
      kind: 'dbt',
      image: DBT,
      entrypoint: ['dbt'],
      command: ['build', '--select', '+a', '+b', '--vars', '{"x":1}'],
      // The stack's profile variables name the compose service.
      environment: { CLICKHOUSE_HOST: 'clickhouse', CLICKHOUSE_PORT: '8123' },
    });
    const real = planTask(
      dbtTask,
      values,
      options({
        CLICKHOUSE_URL: 'http://127.0.0.1:18123',
        CLICKHOUSE_USER: 'u',
        CLICKHOUSE_PASSWORD: 'local-secret',
      }),
    );
    if (!('command' in real)) throw new Error(real.cannotRun);
    expect(real.command.file).toBe(`${repoRoot}/.venvs/dbt/bin/dbt`);
    expect(real.command.pythonTool).toBe('dbt');
    expect(real.command.args).toEqual(['build', '--select', '+a', '+b', '--vars', '{"x":1}']);
    expect(real.command.env).toMatchObject({
      CLICKHOUSE_HOST: '127.0.0.1',
      CLICKHOUSE_PORT: '18123',
      CLICKHOUSE_USER: 'u',
      CLICKHOUSE_PASSWORD: 'local-secret',
      DBT_PROJECT_DIR: `${repoRoot}/dbt`,
      DBT_PROFILES_DIR: `${repoRoot}/dbt`,
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    });
    // Notes name the server, never its credentials.
    expect(real.command.notes.join('\n')).toContain('http://127.0.0.1:18123');
    expect(real.command.notes.join('\n')).not.toContain('local-secret');

    const noServer = planTask(dbtTask, values, options());
    expect('cannotRun' in noServer && noServer.cannotRun).toMatch(/npm run local -- up/);
  });

  it('says why a foreign image, an unknown entrypoint or Airflow Jinja cannot run locally', () => {
    const foreign = planTask(
      task({ taskId: 't', image: 'busybox:1.37', command: ['true'] }),
      values,
      options(),
    );
    expect('cannotRun' in foreign && foreign.cannotRun).toMatch(
      /image busybox:1.37 is not built from this repository/,
    );
    const entry = planTask(task({ taskId: 't', entrypoint: ['bash'] }), values, options());
    expect('cannotRun' in entry && entry.cannotRun).toMatch(
      /entrypoint 'bash' .* is not one of our CLIs/,
    );
    const jinja = planTask(
      task({ taskId: 't', command: [{ jinja: '{{ ds }}' }] }),
      values,
      options(),
    );
    expect('cannotRun' in jinja && jinja.cannotRun).toMatch(/Airflow Jinja '\{\{ ds \}\}'/);
  });

  it('orders tasks after their upstream tasks and rejects cycles', () => {
    const order = dependencyOrder(
      dag([
        task({ taskId: 'c', upstream: ['b'] }),
        task({ taskId: 'a' }),
        task({ taskId: 'b', upstream: ['a'] }),
      ]),
    );
    expect(order.map((t) => t.taskId)).toEqual(['a', 'b', 'c']);
    expect(() =>
      dependencyOrder(
        dag([task({ taskId: 'a', upstream: ['b'] }), task({ taskId: 'b', upstream: ['a'] })]),
      ),
    ).toThrow(/dependency cycle/);
  });
});

describe('local runner: running', () => {
  it('reports a failing task with its exit code and output, and skips what depends on it', async () => {
    const ended: string[] = [];
    const results = await runDag(
      dag([
        task({ taskId: 'bad', kind: 'extract', command: ['no-such-source'] }),
        task({ taskId: 'after', kind: 'extract', command: ['postgres'], upstream: ['bad'] }),
        task({ taskId: 'foreign', image: 'busybox:1.37' }),
      ]),
      { ...options(), values, onTaskEnd: (r) => ended.push(`${r.taskId}:${r.state}`) },
    );
    expect(ended).toEqual(['bad:failed', 'after:upstream_failed', 'foreign:cannot_run']);
    const [bad, after] = results;
    expect(bad?.reason).toBe('exit code 2');
    expect(bad?.output).toMatch(/unknown source "no-such-source"/);
    expect(after?.reason).toBe('upstream bad did not succeed');
  });
});

describe('local runner: run values', () => {
  const now = new Date('2026-11-25T10:30:00Z');
  const utc = dag([]);

  it('--date D runs the day D, like `airflow dags test <dag> D` on a cron DAG', () => {
    expect(runValuesFor(utc, '2026-11-20', now).values).toEqual({
      windowStart: '2026-11-20',
      windowEnd: '2026-11-21',
      runId: 'local__2026-11-20__2026-11-25T10:30:00Z',
    });
  });

  it('without --date the window is yesterday and today, like a run without a logical date', () => {
    expect(runValuesFor(utc, undefined, now).values).toMatchObject({
      windowStart: '2026-11-24',
      windowEnd: '2026-11-26',
    });
  });

  it("takes the day in the DAG's time zone", () => {
    const auckland = { ...utc, timezone: 'Pacific/Auckland' };
    expect(runValuesFor(auckland, '2026-11-20', now).values).toMatchObject({
      windowStart: '2026-11-20',
      windowEnd: '2026-11-21',
    });
    const honolulu = { ...utc, timezone: 'Pacific/Honolulu' };
    expect(runValuesFor(honolulu, '2026-11-20', now).values).toMatchObject({
      windowStart: '2026-11-20',
      windowEnd: '2026-11-21',
    });
  });
});

describe('npm run dag (CLI)', () => {
  const dagCli = (...args: string[]) =>
    execa(`${repoRoot}/node_modules/.bin/tsx`, ['local/dag.ts', ...args], {
      cwd: repoRoot,
      reject: false,
    });

  it('lists the shipped DAGs', async () => {
    const result = await dagCli('list');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining(['campaign_reports', 'oltp_simulated_traffic', 'oltp_to_clickhouse']),
    );
  });

  it('exits 2 naming the known DAGs for an unknown one, and on a malformed date', async () => {
    const unknown = await dagCli('test', 'no_such_dag');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown DAG 'no_such_dag'; specs in .* define: .*oltp_to_clickhouse/,
    );
    const badDate = await dagCli('test', 'oltp_to_clickhouse', '--date', '25/11/2026');
    expect(badDate.exitCode).toBe(2);
    expect(badDate.stderr).toMatch(/--date must be YYYY-MM-DD, got '25\/11\/2026'/);
  });

  it('exits 2 with located diagnostics when the specs do not compile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-specs-'));
    fs.copyFileSync(`${repoRoot}/dag-specs/_project.yaml`, path.join(dir, '_project.yaml'));
    fs.writeFileSync(
      path.join(dir, 'broken.yaml'),
      'dag_id: broken\nschedule: every minute\ntasks: []\n',
    );
    const result = await dagCli('test', 'broken', '--specs', dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/do not compile:\n.*broken\.yaml:\d+:\d+/);
  });
});
