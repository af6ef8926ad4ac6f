/**
 * The generated Python at run time, against stand-ins of the Airflow 2.11 and 3.x APIs
 * (test/fixtures/codegen/python/stubs.py; Airflow itself cannot be installed here). Checks the
 * arguments the DAG and its operators get, that secrets arrive only at execute() and only in
 * private_environment, the run window (and that the local runner's windowFor agrees), and the
 * failure webhook against a loopback HTTP server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowFor } from '../../codegen/index.js';
import { fixtures, PYTHON } from './helpers.js';

const pythonDir = path.join(fixtures, 'python');
const expectedDir = path.join(fixtures, 'golden/expected');
const dagFile = (name: string) => path.join(expectedDir, `${name}.py`);

let tmp = '';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'codegen-runtime-'));
  if (!PYTHON) return;
  for (const version of ['2', '3']) {
    await execa('python3', [
      path.join(pythonDir, 'stubs.py'),
      path.join(tmp, `airflow${version}`),
      version,
    ]);
  }
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function drive(version: string, args: string[], env: Record<string, string> = {}) {
  const result = await execa('python3', [path.join(pythonDir, 'driver.py'), ...args], {
    reject: false,
    env: { PYTHONPATH: path.join(tmp, `airflow${version}`), PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  if (result.exitCode !== 0) throw new Error(`driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const secrets = {
  STUB_VARIABLES: JSON.stringify({ test_clickhouse_password: 'ch-s3cret' }),
  STUB_CONNECTIONS: JSON.stringify({
    fakeads_api: { password: 'tok-s3cret', extra: JSON.stringify({ app_secret: 'app-s3cret' }) },
    warehouse_db: { host: 'db', login: 'u', password: 'wh-s3cret', schema: 'shop', port: 5432 },
  }),
};

describe.skipIf(!PYTHON).each(['2', '3'])('generated DAG on Airflow %s APIs', (version) => {
  it('builds the DAG with explicit schedule, catchup, tz-aware dates and the window macros', async () => {
    const { dag } = await drive(version, ['describe', dagFile('ads_daily')]);
    expect(dag).toMatchObject({
      dag_id: 'ads_daily',
      schedule: { cron: '0 0 * * *', timezone: 'Europe/Berlin' },
      start_date: { datetime: '2026-03-01T06:30:00+01:00', tz: 'Europe/Berlin' },
      end_date: { datetime: '2027-01-01T00:00:00+01:00', tz: 'Europe/Berlin' },
      catchup: true,
      max_active_runs: 2,
      max_active_tasks: 4,
      dagrun_timeout: { seconds: 10800 },
      tags: ['ads', 'adtech', 'extract'],
      default_args: { owner: 'marketing' },
      user_defined_macros: {
        adtech_window_start: { callable: '_window_start' },
        adtech_window_end: { callable: '_window_end' },
      },
      on_failure_callback: { callable: '_notify_failure' },
    });
    const orders = await drive(version, ['describe', dagFile('orders_report')]);
    expect(orders.dag.schedule).toEqual([{ asset: 'clickhouse://raw/warehouse_orders' }]);
    const manual = await drive(version, ['describe', dagFile('manual_once')]);
    expect(manual.dag.schedule).toBeNull();
    expect(manual.dag).not.toHaveProperty('on_failure_callback');
  });

  it('gives each task the DockerOperator arguments, with secrets by name only', async () => {
    const { tasks } = await drive(version, ['describe', dagFile('ads_daily')]);
    const [d1, d2, build, announce] = tasks;
    expect(tasks.map((task: { kwargs: { task_id: string } }) => task.kwargs.task_id)).toEqual([
      'extract_fakeads__d1',
      'extract_fakeads__d2',
      'build_models',
      'announce',
    ]);
    expect(d1.kwargs).toMatchObject({
      image: 'example/extractors:1.2.3',
      command: [
        'fakeads',
        '--run-id',
        '{{ run_id }}',
        '--since',
        '{{ adtech_window_start(dag_run) }}',
        '--until',
        '{{ adtech_window_end(dag_run) }}',
        '--account-group',
        'd1',
        '--lookback-days',
        '14',
        '--dry-run',
        'false',
        '--streams',
        'insights,campaigns',
      ],
      environment: { CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_USER: 'pipeline' },
      private_environment: null,
      docker_url: 'unix://var/run/docker.sock',
      network_mode: 'test-net',
      auto_remove: 'success',
      mount_tmp_dir: false,
      entrypoint: null,
      retries: 3,
      retry_delay: { seconds: 60 },
      retry_exponential_backoff: true,
      max_retry_delay: { seconds: 1800 },
      execution_timeout: { seconds: 3600 },
      pool: 'fakeads',
      pool_slots: 1,
      outlets: [{ asset: 'clickhouse://raw/fakeads_insights' }],
    });
    expect(d1.secret_env).toEqual({
      CLICKHOUSE_PASSWORD: ['variable', 'test_clickhouse_password', null, null],
      FAKEADS_APP_SECRET: ['connection', 'fakeads_api', 'extra', 'app_secret'],
      FAKEADS_TOKEN: ['connection', 'fakeads_api', 'password', null],
    });
    expect(d2.kwargs.command).toContain('d2');
    expect(build.upstream).toEqual(['extract_fakeads__d1', 'extract_fakeads__d2']);
    expect(build.kwargs).toMatchObject({
      image: 'example/dbt:4.5.6',
      entrypoint: ['dbt'],
      pool: 'default_pool',
    });
    expect(build.kwargs).not.toHaveProperty('execution_timeout');
    expect(announce.upstream).toEqual(['build_models']);
    expect(announce.kwargs.entrypoint).toEqual(['sh', '-c']);
  });

  it('reads secrets at execute() into private_environment only, and masks them', async () => {
    const out = await drive(
      version,
      ['execute', dagFile('ads_daily'), 'extract_fakeads__d1'],
      secrets,
    );
    expect(out.executed).toEqual([
      {
        task_id: 'extract_fakeads__d1',
        environment: { CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_USER: 'pipeline' },
        private_environment: {
          CLICKHOUSE_PASSWORD: 'ch-s3cret',
          FAKEADS_APP_SECRET: 'app-s3cret',
          FAKEADS_TOKEN: 'tok-s3cret',
        },
      },
    ]);
    expect(out.masked.sort()).toEqual(['app-s3cret', 'ch-s3cret', 'tok-s3cret']);
    const uri = await drive(version, ['execute', dagFile('warehouse_sync'), 'load__eu'], secrets);
    expect(uri.executed[0].private_environment.WAREHOUSE_URL).toBe(
      'stub://u:wh-s3cret@db:5432/shop',
    );
  });

  it('fails a task with a clear error naming the missing Variable, and no secret value', async () => {
    const out = await drive(version, ['execute', dagFile('ads_daily'), 'extract_fakeads__d1'], {
      ...secrets,
      STUB_VARIABLES: '{}',
    });
    expect(out).toEqual({
      type: 'RuntimeError',
      error:
        "secret CLICKHOUSE_PASSWORD: cannot read Airflow variable 'test_clickhouse_password' (KeyError); create it as the README describes",
    });
    const empty = await drive(version, ['execute', dagFile('ads_daily'), 'extract_fakeads__d1'], {
      ...secrets,
      STUB_CONNECTIONS: JSON.stringify({ fakeads_api: { password: '' } }),
    });
    expect(empty.error).toMatch(
      /^secret FAKEADS_APP_SECRET: Airflow connection 'fakeads_api' has no value in extra$/,
    );
  });
});

describe('run window', () => {
  const cases = [
    // A daily Europe/Berlin interval: exactly that day.
    {
      data_interval_start: '2026-03-01T00:00:00+01:00',
      data_interval_end: '2026-03-02T00:00:00+01:00',
      expected: ['2026-03-01', '2026-03-02'],
    },
    // The same interval written in UTC: still the Berlin day.
    {
      data_interval_start: '2026-02-28T23:00:00+00:00',
      data_interval_end: '2026-03-01T23:00:00+00:00',
      expected: ['2026-03-01', '2026-03-02'],
    },
    // An hour: widened to the whole day.
    {
      data_interval_start: '2026-03-01T05:00:00+00:00',
      data_interval_end: '2026-03-01T06:00:00+00:00',
      expected: ['2026-03-01', '2026-03-02'],
    },
    // An empty interval at midnight (trigger timetable, manual run): one day, not zero.
    {
      data_interval_start: '2026-03-01T23:00:00+00:00',
      data_interval_end: '2026-03-01T23:00:00+00:00',
      expected: ['2026-03-02', '2026-03-03'],
    },
    // A week.
    {
      data_interval_start: '2026-03-02T00:00:00+01:00',
      data_interval_end: '2026-03-09T00:00:00+01:00',
      expected: ['2026-03-02', '2026-03-09'],
    },
    // No data interval (Airflow 3 asset-triggered run): the day before run_after and its day.
    {
      data_interval_start: null,
      data_interval_end: null,
      run_after: '2026-03-05T10:00:00+00:00',
      expected: ['2026-03-04', '2026-03-06'],
    },
    { run_after: '2026-03-05T23:30:00+00:00', expected: ['2026-03-05', '2026-03-07'] },
  ];

  it.skipIf(!PYTHON).each(['2', '3'])(
    'the generated _window macro (Airflow %s APIs)',
    async (version) => {
      const windows = await drive(version, ['window', dagFile('ads_daily'), JSON.stringify(cases)]);
      expect(windows).toEqual(cases.map((c) => c.expected));
    },
  );

  it('windowFor (the local runner) agrees with the generated macro', () => {
    const date = (text: string | null | undefined) => (text ? new Date(text) : null);
    for (const c of cases) {
      const window = windowFor({
        dataIntervalStart: date(c.data_interval_start),
        dataIntervalEnd: date(c.data_interval_end),
        runAfter: date(c.run_after) ?? new Date(0),
        timezone: 'Europe/Berlin',
      });
      expect([window.since, window.until]).toEqual(c.expected);
    }
  });
});

describe.skipIf(!PYTHON)('failure webhook', () => {
  let server: ReturnType<typeof createServer>;
  let port = 0;
  let status = 200;
  const requests: { method?: string; url?: string; type?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        requests.push({
          method: request.method,
          url: request.url,
          type: request.headers['content-type'],
          body,
        });
        response.writeHead(status).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const connection = () => ({
    STUB_CONNECTIONS: JSON.stringify({
      test_failure_webhook: {
        host: '127.0.0.1',
        schema: 'http',
        port,
        password: '/services/T1/B2/hook-s3cret',
      },
    }),
  });

  it('posts a Slack-compatible message to host + password of the connection', async () => {
    requests.length = 0;
    status = 200;
    const out = await drive('3', ['notify', dagFile('ads_daily')], connection());
    expect(requests.map((request) => ({ ...request, body: JSON.parse(request.body) }))).toEqual([
      {
        method: 'POST',
        url: '/services/T1/B2/hook-s3cret',
        type: 'application/json',
        body: {
          text: 'Airflow DAG ads_daily failed\nrun: scheduled__2026-03-01\ntask: extract_fakeads__d1\nreason: task_failure',
        },
      },
    ]);
    expect(out.logs).toEqual([]);
  });

  it.each(['2', '3'])(
    'logs a failed post without the URL or token (Airflow %s APIs)',
    async (version) => {
      status = 500;
      const out = await drive(version, ['notify', dagFile('ads_daily')], connection());
      expect(out.logs).toEqual([
        'failure webhook (connection test_failure_webhook) answered HTTP 500',
      ]);
      const missing = await drive(version, ['notify', dagFile('ads_daily')], {
        STUB_CONNECTIONS: '{}',
      });
      expect(missing.logs).toEqual([
        'failure webhook (connection test_failure_webhook) failed: LookupError',
      ]);
      expect(JSON.stringify([out, missing])).not.toMatch(/s3cret|127\.0\.0\.1/);
    },
  );
});
