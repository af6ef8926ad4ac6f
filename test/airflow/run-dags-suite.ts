/**
 * Real runs of our generated DAGs on real Airflow (issue 10, 1.3–1.5): `dag.test()` of
 * `oltp_to_clickhouse`, then `campaign_reports`, with the real DockerOperator (providers-docker
 * 4.6.1, docker SDK 7) talking to a Docker Engine API stand-in on a Unix socket
 * (docker-engine-fake.ts) that runs each container's command as a local process: the extractor
 * image's `extract` / `generate` as our CLIs, the dbt image's `dbt` as real dbt from `.venvs/dbt`.
 *
 * What is not the production path, and why:
 * - each task's `docker_url` is set to the stand-in's socket after the DagBag is loaded (the
 *   generated files name `unix://var/run/docker.sock` from `_project.yaml`, and a docker_url given
 *   to the operator wins over `DOCKER_HOST`); nothing else of the DAG is touched;
 * - a container's environment is the create call's Env, with only the container host names mapped
 *   to loopback (`clickhouse:8123` → the test warehouse, `postgres:5432` → embedded PostgreSQL)
 *   plus what a local process needs (PATH, HOME, the test network guard in NODE_OPTIONS).
 *
 * Secrets are real Airflow Variables / Connections: the ClickHouse password and the failure
 * webhook are in the metadata database, PG_URL is an `AIRFLOW_VAR_ADTECH_PG_URL` environment
 * Variable; on Airflow 3 the task reads them through the Task SDK (dag.test runs the task under
 * the SDK's in-process supervisor). A small spec compiled into a temp folder by our compiler adds
 * a DAG whose task always exits 1, for retries and the failure webhook.
 *
 * AIRFLOW_HOME is a temp folder with SQLite, created by `airflow db migrate`. A virtualenv that
 * cannot be installed fails the file; nothing is skipped.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as genDags } from '../../codegen/cli.js';
import { dbtCommand } from '../../local/dbt.js';
import { ensurePythonTool } from '../../python/tools.js';
import { queryRows } from '../support/clickhouse.js';
import { batchArgs } from '../support/generator.js';
import { postgresDailyCtr, startPostgres, type TestPostgres } from '../support/postgres.js';
import { stepTimer } from '../support/step-timer.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import {
  type DockerCall,
  envListToMap,
  type FakeContainer,
  type FakeDockerEngine,
  type LocalProcess,
  startFakeDockerEngine,
} from './docker-engine-fake.js';
import { airflowTestEnv } from './inspect.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const harness = path.join(repoRoot, 'test/airflow/run_dags.py');
const tsxCli = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');

const EXTRACTOR_IMAGE = 'adtech-pipeline/extractors:0.1.0';
const DBT_IMAGE = 'adtech-pipeline/dbt:0.1.0';
const FAILING_DAG = 'run_dags_always_fails';
const SKIPPING_DAG = 'run_dags_skips_on_exit_code';

interface TaskReport {
  state: string;
  try_number: number;
}
interface RunReport {
  dag_id: string;
  run_id?: string;
  state?: string;
  tasks?: Record<string, TaskReport>;
  error?: string;
}
interface HarnessReport {
  airflow_version: string;
  docker_provider_version: string;
  import_errors?: Record<string, string>;
  runs: RunReport[];
  stored?: {
    rendered: { dag_id: string; task_id: string; run_id: string; fields: string | null }[];
    xcom: { dag_id: string; task_id: string; run_id: string; key: string; value: string | null }[];
    log_files: Record<string, string>;
    asset_events?: string[];
    queued?: string[];
  };
  error?: string;
}

/** A loopback server standing in for the Slack-compatible failure webhook. */
async function startWebhook() {
  const posts: { path: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posts.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  return {
    port,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The test spec: one task that always exits 1, two retries one second apart, failure webhook. */
function writeTestSpecs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const project = readFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), 'utf8');
  writeFileSync(path.join(dir, '_project.yaml'), project);
  writeFileSync(
    path.join(dir, `${FAILING_DAG}.yaml`),
    `dag_id: ${FAILING_DAG}
description: A task whose container always exits 1 (run-dags test).
schedule: null
notify_on_failure: true
tasks:
  - id: always_fails
    description: The generator CLI with an unknown command exits non-zero.
    container:
      entrypoint: [generate]
      command: [no-such-command]
      secrets: [PG_URL]
    retries: 2
    retry_delay: 1s
    retry_exponential_backoff: false
    execution_timeout: 5m
`,
  );
  writeFileSync(
    path.join(dir, `${SKIPPING_DAG}.yaml`),
    `dag_id: ${SKIPPING_DAG}
description: A task whose container exits 2, which the spec turns into a skip (run-dags test).
schedule: null
tasks:
  - id: skipped_on_exit_2
    description: The generator CLI exits 2 (usage) on an unknown command.
    container:
      entrypoint: [generate]
      command: [no-such-command-skip]
      secrets: [PG_URL]
    retries: 2
    retry_delay: 1s
    skip_on_exit_code: [2]
`,
  );
}

export function runDagsSuite(tool: 'airflow-2' | 'airflow-3', major: 2 | 3): void {
  describe(`dag.test() of oltp_to_clickhouse and campaign_reports on Airflow ${major} (.venvs/${tool})`, () => {
    // Distinctive secret values, so any leak is found by a plain substring search.
    const CH_PASSWORD = `ch-secret-${randomBytes(8).toString('hex')}`;
    const PG_PASSWORD = `pg-secret-${randomBytes(8).toString('hex')}`;
    const WEBHOOK_TOKEN = `hook-token-${randomBytes(8).toString('hex')}`;
    const WEBHOOK_PATH = `/services/T000/B000/${WEBHOOK_TOKEN}`;
    /** PG_URL as a container sees it (the compose service name `postgres`). */
    const containerPgUrl = `postgresql://postgres:${PG_PASSWORD}@postgres:5432/adtech`;

    let tmp = '';
    let postgres: TestPostgres;
    let warehouse: TestWarehouse;
    let docker: FakeDockerEngine;
    let webhook: Awaited<ReturnType<typeof startWebhook>>;
    let report: HarnessReport;
    let output = '';
    const { timings, timed } = stepTimer();

    /** The container's environment with only the container host names mapped to loopback. */
    const localEnv = (env: Record<string, string>): Record<string, string> => {
      const warehouseUrl = new URL(warehouse.url);
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(env)) {
        if (key === 'CLICKHOUSE_URL') {
          out[key] = value.replace(/^http:\/\/clickhouse:8123/, warehouse.url);
        } else if (key === 'CLICKHOUSE_HOST' && value === 'clickhouse') {
          out[key] = warehouseUrl.hostname;
        } else if (key === 'CLICKHOUSE_PORT' && value === '8123') {
          out[key] = warehouseUrl.port;
        } else if (key === 'PG_URL') {
          out[key] = value.replace('@postgres:5432/', `@127.0.0.1:${postgres.port}/`);
        } else out[key] = value;
      }
      return out;
    };

    const run = (container: FakeContainer): LocalProcess => {
      const env = localEnv(container.env);
      const [entrypoint, ...rest] = [...container.entrypoint, ...container.cmd];
      const host = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: tmp,
        NODE_OPTIONS: process.env.NODE_OPTIONS ?? '',
      };
      if (
        container.image === EXTRACTOR_IMAGE &&
        (entrypoint === 'extract' || entrypoint === 'generate')
      ) {
        const script = entrypoint === 'extract' ? 'extractors/cli.ts' : 'generator/cli.ts';
        return {
          file: process.execPath,
          args: [tsxCli, path.join(repoRoot, script), ...rest],
          env: { ...env, ...host },
          cwd: repoRoot,
        };
      }
      if (container.image === DBT_IMAGE && entrypoint === 'dbt') {
        const dbt = dbtCommand(rest, env, {
          workDir: path.join(tmp, `dbt-${container.id.slice(0, 12)}`),
        });
        return { file: dbt.file, args: dbt.args, env: { ...dbt.env, ...host }, cwd: tmp };
      }
      throw new Error(`no local process for ${container.image} ${entrypoint}`);
    };

    beforeAll(async () => {
      const airflow = await timed('venvs', async () => {
        await ensurePythonTool('dbt');
        return ensurePythonTool(tool);
      });
      tmp = mkdtempSync(path.join(os.tmpdir(), `run-dags-${major}-`));
      const home = path.join(tmp, 'home');
      const dagsFolder = path.join(home, 'dags');
      mkdirSync(dagsFolder, { recursive: true });

      // The generated DAG folder as a black box, plus the compiled test spec.
      cpSync(path.join(repoRoot, 'airflow/dags'), dagsFolder, {
        recursive: true,
        filter: (source) => !source.includes('__pycache__'),
      });
      const specs = path.join(tmp, 'specs');
      const compiled = path.join(tmp, 'compiled');
      writeTestSpecs(specs);
      const messages: string[] = [];
      const code = genDags(
        ['--specs', specs, '--out', compiled, '--contracts', path.join(repoRoot, 'extractors')],
        {
          write: (line) => messages.push(line),
          warn: (line) => messages.push(line),
        },
      );
      if (code !== 0) throw new Error(`gen-dags of the test spec failed:\n${messages.join('\n')}`);
      // The test DAG (and nothing the generated folder already has).
      cpSync(compiled, dagsFolder, { recursive: true, force: false });

      [postgres, warehouse, webhook] = await timed('services', () =>
        Promise.all([
          startPostgres({ password: PG_PASSWORD }),
          startWarehouse({ user: 'pipeline', password: CH_PASSWORD }),
          startWebhook(),
        ]),
      );
      // What the stack creates at start (local/stack-clickhouse.ts): extract connects to `raw`.
      await warehouse.client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });

      await timed('generator', async () => {
        for (const args of [
          ['init'],
          batchArgs({ advertisers: 2, campaigns: 2, impressions: 150, ctr: 0.1, seed: 7 }),
        ]) {
          const result = await execa(process.execPath, [tsxCli, 'generator/cli.ts', ...args], {
            cwd: repoRoot,
            env: { PG_URL: postgres.url },
            reject: false,
          });
          if (result.exitCode !== 0) throw new Error(`generate ${args[0]}: ${result.stderr}`);
        }
      });

      docker = await startFakeDockerEngine({
        socketPath: path.join(tmp, 'docker.sock'),
        images: {
          [EXTRACTOR_IMAGE]: { entrypoint: ['extract'], cmd: ['--help'] },
          [DBT_IMAGE]: { entrypoint: ['dbt'], cmd: ['--help'] },
        },
        run,
      });

      const env = {
        ...airflowTestEnv(home),
        AIRFLOW__CORE__DAGS_FOLDER: dagsFolder,
        // As the stack's airflow-init leaves them: a paused DAG gets no asset-triggered run queued.
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(home, 'airflow.db')}`,
        // An environment Variable (the secrets backend Airflow checks first).
        AIRFLOW_VAR_ADTECH_PG_URL: containerPgUrl,
        // The failure webhook as an environment Connection: on Airflow 3, dag.test() runs DAG
        // callbacks in its own process, where the SDK's BaseHook has no supervisor to ask for a
        // metadata-database Connection (AirflowNotFoundException); the dag-processor has one.
        AIRFLOW_CONN_ADTECH_FAILURE_WEBHOOK: JSON.stringify({
          conn_type: 'http',
          host: '127.0.0.1',
          schema: 'http',
          port: webhook.port,
          password: WEBHOOK_PATH,
        }),
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: tmp,
      };
      const migrate = await timed('db migrate', () =>
        execa(airflow.bin('airflow'), ['db', 'migrate'], {
          env,
          extendEnv: false,
          reject: false,
          all: true,
        }),
      );
      if (migrate.exitCode !== 0)
        throw new Error(`airflow db migrate failed:\n${migrate.all?.slice(-4000)}`);

      const config = {
        dags_folder: dagsFolder,
        docker_url: docker.url,
        variables: { adtech_clickhouse_password: CH_PASSWORD },
        connections: {},
        pools: { oltp_postgres: 2, dbt: 1 },
        runs: [
          { dag_id: 'oltp_to_clickhouse', logical_date: 'now' },
          // Asset-triggered runs have no logical date on Airflow 3; 2.11 always has one.
          { dag_id: 'campaign_reports', logical_date: major === 3 ? null : 'now' },
          { dag_id: FAILING_DAG, logical_date: 'now' },
          { dag_id: SKIPPING_DAG, logical_date: 'now' },
        ],
      };
      const configFile = path.join(tmp, 'config.json');
      const out = path.join(tmp, 'report.json');
      writeFileSync(configFile, JSON.stringify(config));
      const result = await timed('dag.test runs', () =>
        execa(airflow.python, [harness, configFile, out], {
          env,
          extendEnv: false,
          reject: false,
          all: true,
          cwd: tmp,
        }),
      );
      output = result.all ?? '';
      writeFileSync(path.join(tmp, 'harness.log'), output);
      if (result.exitCode !== 0) {
        throw new Error(`run_dags.py failed (exit ${result.exitCode}):\n${output.slice(-6000)}`);
      }
      report = JSON.parse(readFileSync(out, 'utf8')) as HarnessReport;
      if (report.error) {
        throw new Error(
          `run_dags.py: ${report.error}\n${JSON.stringify(timings)}\n${output.slice(-6000)}`,
        );
      }
      console.log(`run-dags on ${tool}: ${JSON.stringify(timings)}`);
    }, 900_000);

    afterAll(async () => {
      await docker?.close();
      await webhook?.close();
      await warehouse?.destroy();
      await postgres?.stop();
      if (tmp && !process.env.KEEP_RUN_DAGS_TMP) rmSync(tmp, { recursive: true, force: true });
    });

    const runOf = (dagId: string): RunReport => {
      const found = report.runs.find((entry) => entry.dag_id === dagId);
      if (!found) throw new Error(`no run of ${dagId}`);
      return found;
    };
    /** The calls about one container (by id), in order. */
    const callsOf = (container: FakeContainer): DockerCall[] =>
      docker.calls.filter((call) => call.path.startsWith(`/containers/${container.id}`));
    const containersOf = (image: string, first: string) =>
      [...docker.containers.values()].filter(
        (container) =>
          container.image === image && [...container.entrypoint, ...container.cmd].includes(first),
      );

    it('runs the locked Airflow and Docker provider, with no import error', () => {
      expect(report.airflow_version).toMatch(major === 2 ? /^2\.11\./ : /^3\./);
      expect(report.docker_provider_version).toMatch(/^4\.6\./);
      expect(report.import_errors).toEqual({});
    });

    it('oltp_to_clickhouse: load_oltp succeeds in the extractor container, first try', () => {
      const dagRun = runOf('oltp_to_clickhouse');
      expect(dagRun.error, output.slice(-4000)).toBeUndefined();
      expect(dagRun.state, output.slice(-4000)).toBe('success');
      expect(dagRun.tasks).toEqual({ load_oltp: { state: 'success', try_number: 1 } });
      const [container, ...others] = containersOf(EXTRACTOR_IMAGE, 'postgres');
      expect(others).toEqual([]);
      if (!container) throw new Error('no extractor container');
      expect(container.entrypoint).toEqual(['extract']);
      // The spec names its mode (watermark) and ClickHouse's named collection explicitly.
      expect(container.cmd).toEqual([
        'postgres',
        '--run-id',
        dagRun.run_id,
        '--mode',
        'watermark',
        '--pull-collection',
        'adtech_pg',
      ]);
      expect(container.exitCode).toBe(0);
      expect(container.removed).toBe(true); // auto_remove="success"
      expect(container.env).toEqual({
        CLICKHOUSE_DATABASE: 'raw',
        CLICKHOUSE_URL: 'http://clickhouse:8123',
        CLICKHOUSE_USER: 'pipeline',
        CLICKHOUSE_PASSWORD: CH_PASSWORD,
        PG_URL: containerPgUrl,
      });
      const hostConfig = container.config.HostConfig as Record<string, unknown>;
      expect(hostConfig.NetworkMode).toBe('adtech-pipeline');
      expect(hostConfig.AutoRemove ?? false).toBe(false); // the operator removes it itself
      expect(hostConfig.Mounts ?? []).toEqual([]); // mount_tmp_dir=False
      expect(
        callsOf(container).map(
          (call) => `${call.method} ${call.path.replace(container.id, '<id>')}`,
        ),
      ).toEqual([
        'POST /containers/<id>/attach', // hijacked (101 UPGRADED) …
        'GET /containers/<id>/json', // … then the SDK asks whether the container has a TTY
        'POST /containers/<id>/start',
        'POST /containers/<id>/wait',
        'DELETE /containers/<id>',
      ]);
      expect(docker.unhandled).toEqual([]);
      // What the client asked for overall: version negotiation, then versioned calls only.
      expect(docker.calls[0]).toMatchObject({ method: 'GET', path: '/version', apiVersion: null });
      // Each task's hook negotiates the version (unversioned GET /version); all else is /v1.47.
      for (const call of docker.calls) {
        expect(call.apiVersion === null ? `${call.method} ${call.path}` : call.apiVersion).toBe(
          call.apiVersion === null ? 'GET /version' : '1.47',
        );
      }
      expect(
        [
          ...new Set(
            docker.calls.map(
              (call) => `${call.method} ${call.path.replace(/[0-9a-f]{64}/, '<id>')}`,
            ),
          ),
        ].sort(),
      ).toEqual(
        [
          'GET /version',
          'GET /_ping',
          'GET /images/json',
          'POST /containers/create',
          'POST /containers/<id>/attach',
          'GET /containers/<id>/json',
          'POST /containers/<id>/start',
          'POST /containers/<id>/wait',
          'DELETE /containers/<id>',
        ].sort(),
      );
      // The run emitted the four raw-table asset events, which queue campaign_reports.
      const raw = ['advertiser', 'campaign', 'clicks', 'impressions'].map(
        (table) => `clickhouse://raw/postgres_${table}`,
      );
      expect(report.stored?.asset_events).toEqual(raw);
      expect(report.stored?.queued).toEqual(raw.map((uri) => `campaign_reports <- ${uri}`));
      // The image exists, so nothing is pulled (force_pull is off).
      const listing = docker.calls.find((call) => call.path === '/images/json');
      expect(JSON.parse(listing?.query.filters ?? '{}')).toEqual({ reference: [EXTRACTOR_IMAGE] });
    });

    it('campaign_reports: dbt build in the dbt container succeeds, and the daily CTR report equals PostgreSQL', async () => {
      const dagRun = runOf('campaign_reports');
      expect(dagRun.error, output.slice(-4000)).toBeUndefined();
      expect(dagRun.state, output.slice(-4000)).toBe('success');
      expect(dagRun.tasks).toEqual({ build_reports: { state: 'success', try_number: 1 } });
      const [container] = containersOf(DBT_IMAGE, 'build');
      if (!container) throw new Error('no dbt container');
      expect(container.entrypoint).toEqual(['dbt']);
      expect(container.cmd).toEqual([
        'build',
        '--select',
        '+advertiser_campaigns_totals_report',
        '+advertiser_campaigns_daily_ctr_report',
      ]);
      expect(container.exitCode).toBe(0);

      const daily = await queryRows(
        warehouse.client,
        `SELECT campaign_id, toString(activity_date) AS day, impressions, clicks, ctr
         FROM analytics.advertiser_campaigns_daily_ctr_report ORDER BY campaign_id, day`,
      );
      const client = postgres.client();
      await client.connect();
      try {
        const rows = await postgresDailyCtr(client);
        expect(rows.length).toBeGreaterThan(4);
        expect(
          daily.map((row) => ({
            ...row,
            campaign_id: Number(row.campaign_id),
            impressions: Number(row.impressions),
            clicks: Number(row.clicks),
          })),
        ).toEqual(rows);
      } finally {
        await client.end();
      }
    });

    it('a container that exits 1 fails the task after the spec’s retries (3 containers), and the run', () => {
      const dagRun = runOf(FAILING_DAG);
      expect(dagRun.state, output.slice(-4000)).toBe('failed');
      expect(dagRun.tasks).toEqual({ always_fails: { state: 'failed', try_number: 3 } });
      const containers = containersOf(EXTRACTOR_IMAGE, 'no-such-command');
      expect(containers).toHaveLength(3);
      for (const container of containers) {
        expect(container.entrypoint).toEqual(['generate']);
        expect(container.exitCode).not.toBe(0);
        // auto_remove="success" in providers-docker 4.6.1 removes the container in a `finally`,
        // failed or not: nothing is kept for inspection (unlike the option's documentation).
        expect(container.removed).toBe(true);
      }
    });

    it('an exit code the spec lists in skip_on_exit_code skips the task at once (no retry) and the run succeeds', () => {
      const dagRun = runOf(SKIPPING_DAG);
      expect(dagRun.tasks, output.slice(-4000)).toEqual({
        skipped_on_exit_2: { state: 'skipped', try_number: 1 },
      });
      expect(dagRun.state).toBe('success');
      const containers = containersOf(EXTRACTOR_IMAGE, 'no-such-command-skip');
      expect(containers.map((container) => container.exitCode)).toEqual([2]);
    });

    it('the failed run posts to the failure webhook with the run’s context; the URL is never logged', () => {
      const failed = runOf(FAILING_DAG);
      expect(webhook.posts.map((post) => post.path)).toEqual([WEBHOOK_PATH]);
      const text = (JSON.parse(webhook.posts[0]?.body ?? '{}') as { text: string }).text;
      console.log(`failure webhook on ${tool} posted: ${JSON.stringify(text)}`);
      // The same context on both versions: the last task instance and the reason (dag.test runs
      // the DAG callback in-process with the last TI, as the 2.x scheduler and 3.x dag-processor do).
      expect(text).toBe(
        `Airflow DAG ${FAILING_DAG} failed\nrun: ${failed.run_id}\ntask: always_fails\nreason: task_failure`,
      );
      for (const where of [output, ...Object.values(report.stored?.log_files ?? {})]) {
        expect(where).not.toContain(WEBHOOK_TOKEN);
        expect(where).not.toContain(`${webhook.port}${WEBHOOK_PATH}`);
      }
    });

    it('secret values appear only in the container create call’s Env: not in other calls, logs, rendered fields or XComs', () => {
      const secrets = [CH_PASSWORD, PG_PASSWORD];
      const creates = docker.calls.filter((call) => call.path === '/containers/create');
      expect(creates.length).toBeGreaterThanOrEqual(5);
      for (const call of docker.calls) {
        const { Env: _env, ...rest } =
          call.path === '/containers/create'
            ? (JSON.parse(call.body) as Record<string, unknown>)
            : {};
        const visible = JSON.stringify({
          ...call,
          body: call.path === '/containers/create' ? rest : call.body,
        });
        for (const secret of secrets)
          expect(visible, `${call.method} ${call.path}`).not.toContain(secret);
      }
      const stored = report.stored;
      if (!stored) throw new Error('nothing stored');
      // Every task instance that ran has its rendered fields stored (the UI's Rendered tab).
      expect(stored.rendered.map((row) => `${row.dag_id}.${row.task_id}`).sort()).toEqual([
        'campaign_reports.build_reports',
        'oltp_to_clickhouse.load_oltp',
        `${FAILING_DAG}.always_fails`,
        `${SKIPPING_DAG}.skipped_on_exit_2`,
      ]);
      const places: [string, string][] = [
        ['harness output (dag.test task logs)', output],
        ...Object.entries(stored.log_files),
        ...stored.rendered.map((row): [string, string] => [
          `rendered ${row.dag_id}.${row.task_id}`,
          row.fields ?? '',
        ]),
        ...stored.xcom.map((row): [string, string] => [
          `xcom ${row.dag_id}.${row.task_id}.${row.key}`,
          row.value ?? '',
        ]),
      ];
      for (const [where, text] of places) {
        for (const secret of secrets) expect(text, where).not.toContain(secret);
      }
      // The searches above looked where the values would be: every container got the password in
      // its create Env; the containers' own output is in the task log (the operator logs it line
      // by line: the extractor's and dbt's); the rendered fields hold the rendered environment.
      for (const call of creates) {
        expect(
          envListToMap((JSON.parse(call.body) as { Env: unknown }).Env).CLICKHOUSE_PASSWORD,
        ).toBe(CH_PASSWORD);
      }
      expect(output).toContain('rows in PostgreSQL');
      expect(output).toMatch(/Completed successfully/);
      for (const row of stored.rendered)
        expect(row.fields).toContain('"CLICKHOUSE_USER": "pipeline"');
    });
  });
}
