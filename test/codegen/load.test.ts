/**
 * The loader other parts use: loadProject gives the IR of the generated DAGs (run-time values kept
 * structured), and listExternalResources the pools, Variables and Connections Airflow must have.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compile,
  formatDiagnostic,
  listExternalResources,
  loadProject,
  readContracts,
  renderArg,
} from '../../codegen/index.js';
import { contractsDir, goldenSpecs, repoRoot } from './helpers.js';

describe('loadProject', () => {
  const { ir, diagnostics } = loadProject({
    specsDir: goldenSpecs,
    contractsDir,
    displayBase: repoRoot,
  });

  it('gives the IR with defaults filled and fan-outs expanded', () => {
    expect(diagnostics).toEqual([]);
    const dag = ir?.dags.find((candidate) => candidate.dagId === 'warehouse_sync');
    expect(dag).toMatchObject({
      schedule: { kind: 'cron', cron: '*/5 * * * *', expression: '*/5 * * * *' },
      timezone: 'UTC',
      startDate: '2026-01-01T00:00:00',
      catchup: false,
      owner: 'data-eng',
      failureWebhookConnection: null,
    });
    expect(dag?.tasks.map((task) => [task.taskId, task.specId, task.item, task.kind])).toEqual([
      ['load__eu', 'load', 'eu', 'extract'],
      ['load__us', 'load', 'us', 'extract'],
      ['traffic', 'traffic', null, 'container'],
    ]);
    const load = dag?.tasks[0];
    expect(load).toMatchObject({
      image: 'example/extractors:1.2.3',
      entrypoint: null,
      command: [
        'warehouse',
        '--run-id',
        { template: 'run_id' },
        '--schema',
        'sales_eu',
        '--batch-size',
        '500',
      ],
      environment: { CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_USER: 'pipeline' },
      secrets: [
        {
          env: 'CLICKHOUSE_PASSWORD',
          source: { kind: 'variable', key: 'test_clickhouse_password' },
        },
        {
          env: 'WAREHOUSE_URL',
          source: { kind: 'connection', connId: 'warehouse_db', field: 'uri', extraKey: null },
        },
      ],
      retries: 2,
      retryDelaySeconds: 60,
      executionTimeoutSeconds: 3600,
      pool: 'warehouse',
      outlets: ['clickhouse://raw/warehouse_orders'],
      location: { file: 'test/fixtures/codegen/golden/specs/warehouse_sync.yaml', line: 4, col: 5 },
    });
    const traffic = dag?.tasks[2];
    expect(traffic).toMatchObject({ entrypoint: ['generate'], command: ['random', '--seed', '7'] });
  });

  it('keeps run-time values structured so the local runner can render them', () => {
    const announce = ir?.dags
      .find((dag) => dag.dagId === 'ads_daily')
      ?.tasks.find((task) => task.taskId === 'announce');
    expect(announce?.command[0]).toEqual({
      concat: [
        'echo built ',
        { template: 'window_start' },
        '..',
        { template: 'window_end' },
        ' in run ',
        { template: 'run_id' },
      ],
    });
    expect(announce?.command[1]).toEqual({ jinja: '{{ dag_run.conf.get("note", "") }}' });
    const values = { windowStart: '2026-03-01', windowEnd: '2026-03-02', runId: 'local__1' };
    expect(renderArg(announce?.command[0] ?? '', values)).toBe(
      'echo built 2026-03-01..2026-03-02 in run local__1',
    );
    expect(() => renderArg(announce?.command[1] ?? '', values)).toThrow(
      /raw Airflow Jinja cannot run outside Airflow/,
    );
  });

  it('gives null IR and the diagnostics when a spec is broken', () => {
    const broken = loadProject({
      specsDir: path.join(repoRoot, 'test/fixtures/codegen/invalid'),
      contractsDir,
      displayBase: repoRoot,
    });
    expect(broken.ir).toBeNull();
    expect(broken.diagnostics[0]?.code).toBe('E027');
  });
});

describe('listExternalResources', () => {
  it('lists the pools, Variables and Connections the fixture DAGs need', () => {
    const { ir } = loadProject({ specsDir: goldenSpecs, contractsDir, displayBase: repoRoot });
    if (ir === null) throw new Error('fixtures did not compile');
    expect(listExternalResources(ir)).toEqual({
      pools: [
        { name: 'fakeads', slots: 2, description: 'Fake ad API.' },
        { name: 'warehouse', slots: 1, description: '' },
      ],
      variables: ['test_clickhouse_password', 'test_generator_url'],
      connections: ['fakeads_api', 'other_webhook', 'test_failure_webhook', 'warehouse_db'],
    });
  });

  it('works on the shipped specs', () => {
    const { ir, diagnostics } = loadProject({
      specsDir: path.join(repoRoot, 'dag-specs'),
      contractsDir: path.join(repoRoot, 'extractors'),
      displayBase: repoRoot,
    });
    expect(diagnostics.filter((d) => d.code.startsWith('E'))).toEqual([]);
    if (ir === null) throw new Error('shipped specs did not compile');
    const resources = listExternalResources(ir);
    expect(resources.variables).toContain('adtech_clickhouse_password');
    expect(resources.variables).toContain('adtech_pg_url');
    expect(resources.pools.map((pool) => pool.name)).toContain('oltp_postgres');
  });
});

describe('dag-specs/README.md', () => {
  it('has a complete example that compiles against the shipped project file and real contracts', () => {
    const readme = readFileSync(path.join(repoRoot, 'dag-specs/README.md'), 'utf8');
    const example = /```yaml\n(# yaml-language-server[^\n]*\ndag_id: (\w+)[\s\S]*?)```/.exec(
      readme,
    );
    if (example === null) throw new Error('no example spec in dag-specs/README.md');
    const [, text = '', dagId = ''] = example;
    const result = compile({
      specs: [{ path: `dag-specs/${dagId}.yaml`, text }],
      project: {
        path: 'dag-specs/_project.yaml',
        text: readFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), 'utf8'),
      },
      contracts: readContracts(path.join(repoRoot, 'extractors'), repoRoot).contracts,
    });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.ir?.dags[0]?.tasks.map((task) => task.taskId)).toEqual([
      'extract_facebook_ads__d1',
      'extract_facebook_ads__d2',
      'build_facebook_models',
      'touch_marker',
    ]);
  });
});
