/**
 * The Campaign performance bundle in real Superset (the locked .venvs/superset): zipped by the
 * stack's own builder, imported with `superset import-dashboards` after the stack's bootstrap
 * commands, imported again without changing anything, pointed at a warehouse that real dbt built
 * from demo rows, every chart's query run through the chart-data API, a broken chart named, and
 * the dashboard opened in headless Chromium. Every Superset step's time is printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  bootstrapSteps,
  buildBundleZip,
  clickhouseUri,
  freePort,
  migratedMetadata,
  runSteps,
  type StepsRun,
  SUPERSET_BUNDLE_DIR,
  SUPERSET_TEMPLATE_CACHE,
  SupersetApi,
  serveStep,
  startSteps,
  supersetEnv,
  waitForHealth,
} from '../../local/superset-runtime.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { openDashboard } from './browser.js';
import { runEveryChart } from './chart-data.js';
import { loadDemoData } from './demo-data.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const OUTPUT_DIR = path.join(REPO, '.data/test-output');
const ADMIN = 'admin';
const DASHBOARD_TITLE = 'Campaign performance';

type Doc = Record<string, unknown>;

function timed(label: string, started: number): void {
  process.stderr.write(
    `[superset test] ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

function readBundle(): Map<string, Doc> {
  const files = new Map<string, Doc>();
  for (const file of fs.readdirSync(SUPERSET_BUNDLE_DIR, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.yaml')) {
      files.set(file, parse(fs.readFileSync(path.join(SUPERSET_BUNDLE_DIR, file), 'utf8')) as Doc);
    }
  }
  return files;
}

let work: string;
let warehouse: TestWarehouse;
let superset: StepsRun;
let bootstrap: StepsRun;
let url: string;
let api: SupersetApi;
const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const bundle = readBundle();
const bundleUuids = (kind: string) =>
  [...bundle].filter(([file]) => file.startsWith(`${kind}/`)).map(([, doc]) => String(doc.uuid));

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-test-'));
  let started = Date.now();
  warehouse = await startWarehouse();
  timed('warehouse started', started);
  const server = new URL(warehouse.url);
  const databaseUri = clickhouseUri({
    user: warehouse.env.CLICKHOUSE_USER ?? '',
    password: warehouse.env.CLICKHOUSE_PASSWORD ?? '',
    host: server.hostname,
    port: server.port,
  });

  // Superset boots while dbt builds the models: they only meet at the first chart query.
  const data = (async () => {
    const begun = Date.now();
    const dbtSeconds = await loadDemoData(warehouse);
    timed(`demo data loaded, dbt build ${dbtSeconds.toFixed(1)} s`, begun);
  })();

  started = Date.now();
  const metadataDb = path.join(work, 'superset.db');
  const template = await migratedMetadata(metadataDb, SUPERSET_TEMPLATE_CACHE);
  timed(
    template.cached
      ? 'metadata template (cached) copied'
      : `metadata template built (${template.timings.join(', ')})`,
    started,
  );
  const zip = path.join(work, 'bundle.zip');
  await buildBundleZip(zip);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const [createAdmin, resetPassword, importDashboards, setUri] = bootstrapSteps({
    adminUser: ADMIN,
    adminPassword: password,
    bundleZip: zip,
    databaseUri,
  }) as [never, never, never, never];
  started = Date.now();
  const env = supersetEnv({ metadataDb, secretKey: `test-${password}`, loopbackOnly: true });
  // The web server in its own process (an app created after other commands in the same process
  // lacks some APIs), started now: loading Superset overlaps the bootstrap below.
  superset = await startSteps([serveStep(port)], env, work);
  bootstrap = await runSteps(
    [
      createAdmin,
      resetPassword,
      importDashboards,
      setUri,
      { name: 'snapshot after the first import', snapshot: path.join(work, 'first.json') },
      // What every later `docker compose up` does again.
      importDashboards,
      setUri,
      { name: 'snapshot after the second import', snapshot: path.join(work, 'second.json') },
    ],
    env,
    work,
  );
  for (const line of bootstrap.timings()) process.stderr.write(`${line}\n`);
  timed('superset bootstrapped', started);
  await waitForHealth(url, superset);
  timed('superset serving', started);
  api = await SupersetApi.login(url, ADMIN, password);
  await data;
}, 900_000);

afterAll(async () => {
  superset?.process.kill('SIGTERM');
  await superset?.process;
  await warehouse?.destroy();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('Superset imports the Campaign performance bundle', () => {
  it('creates every dataset, chart and the dashboard of the bundle', async () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(work, 'first.json'), 'utf8')) as Record<
      string,
      Doc[]
    >;
    const uuids = (table: string) => (snapshot[table] ?? []).map((row) => String(row.uuid)).sort();
    expect(uuids('dbs')).toEqual(bundleUuids('databases').sort());
    expect(uuids('tables')).toEqual(bundleUuids('datasets').sort());
    expect(uuids('slices')).toEqual(bundleUuids('charts').sort());
    expect(uuids('dashboards')).toEqual(bundleUuids('dashboards').sort());

    // And through the REST API, as a user sees them.
    const names = (body: { result: Doc[] }, key: string) =>
      body.result.map((row) => String(row[key])).sort();
    const datasets = await api.get<{ result: Doc[] }>('/api/v1/dataset/?q=(page_size:100)');
    expect(names(datasets, 'table_name')).toEqual(
      [...bundle]
        .filter(([file]) => file.startsWith('datasets/'))
        .map(([, doc]) => String(doc.table_name))
        .sort(),
    );
    const charts = await api.get<{ result: Doc[] }>('/api/v1/chart/?q=(page_size:100)');
    expect(names(charts, 'slice_name')).toEqual(
      [...bundle]
        .filter(([file]) => file.startsWith('charts/'))
        .map(([, doc]) => String(doc.slice_name))
        .sort(),
    );
    const dashboards = await api.get<{ result: Doc[] }>('/api/v1/dashboard/?q=(page_size:100)');
    expect(names(dashboards, 'dashboard_title')).toEqual([DASHBOARD_TITLE]);
    const dashboardId = dashboards.result[0]?.id;
    const onDashboard = await api.get<{ result: Doc[] }>(`/api/v1/dashboard/${dashboardId}/charts`);
    expect(onDashboard.result).toHaveLength(bundleUuids('charts').length);
  });

  it('changes nothing when the bundle is imported again (ids, uuids, params, positions)', () => {
    const first = fs.readFileSync(path.join(work, 'first.json'), 'utf8');
    const second = fs.readFileSync(path.join(work, 'second.json'), 'utf8');
    expect(JSON.parse(second)).toEqual(JSON.parse(first));
  });

  it('reached no host but this machine, except the stack-only name in the bundle', () => {
    // The import tries the bundle's own URI (host `clickhouse`) before init.sh sets the real
    // one; the guard refuses that lookup here. Nothing else may leave the machine.
    expect(
      [...bootstrap.blocked(), ...superset.blocked()].filter(
        (host) => !host.startsWith('clickhouse:'),
      ),
    ).toEqual([]);
  });
});

describe('Superset runs every chart against the warehouse real dbt built', () => {
  it('runs every chart query through the chart-data API, each returning rows', async () => {
    const results = await runEveryChart(api);
    expect(results.map((r) => r.name).sort()).toEqual(
      [...bundle]
        .filter(([file]) => file.startsWith('charts/'))
        .map(([, doc]) => String(doc.slice_name))
        .sort(),
    );
    expect(results.flatMap((r) => (r.problem ? [r.problem] : []))).toEqual([]);
    process.stderr.write(
      `[superset test] chart rows: ${results.map((r) => `${r.name}=${r.rows.join('+')}`).join(', ')}\n`,
    );
  });

  it('opens the dashboard in Chromium with every chart drawn and no error', async () => {
    const screenshot = path.join(OUTPUT_DIR, 'superset-dashboard.png');
    const result = await openDashboard({
      url,
      user: ADMIN,
      password,
      dashboardTitle: DASHBOARD_TITLE,
      chartNames: [...bundle]
        .filter(([file]) => file.startsWith('charts/'))
        .map(([, doc]) => String(doc.slice_name)),
      screenshot,
    });
    expect(result.errors).toEqual([]);
    expect(result.offMachineRequests).toEqual([]);
    process.stderr.write(
      `[superset test] refused by the CSP: ${JSON.stringify(result.cspBlocked)}\n`,
    );
    expect(result.chartsDrawn.sort()).toEqual(
      [...bundle]
        .filter(([file]) => file.startsWith('charts/'))
        .map(([, doc]) => String(doc.slice_name))
        .sort(),
    );
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
  });

  it('names the chart whose column the dbt model does not have', async () => {
    // A copy of the bundle where one chart groups by a column its dataset declares but the
    // dbt model lacks (a renamed model column): imported through Superset's REST import.
    const broken = path.join(work, 'broken-bundle');
    fs.cpSync(SUPERSET_BUNDLE_DIR, broken, { recursive: true });
    const chartFile = path.join(broken, 'charts/Daily_CTR_per_campaign.yaml');
    const chart = parse(fs.readFileSync(chartFile, 'utf8')) as Doc;
    const params = chart.params as Doc;
    params.groupby = ['campaign_label'];
    chart.description = 'deliberately broken copy';
    fs.writeFileSync(chartFile, stringify(chart));
    const datasetFile = path.join(
      broken,
      'datasets/ClickHouse_analytics/advertiser_campaigns_daily_ctr_report.yaml',
    );
    const dataset = parse(fs.readFileSync(datasetFile, 'utf8')) as Doc;
    (dataset.columns as Doc[]).push({
      column_name: 'campaign_label',
      is_dttm: false,
      is_active: true,
      type: 'String',
      groupby: true,
      filterable: true,
    });
    fs.writeFileSync(datasetFile, stringify(dataset));
    // Superset's dashboard import never overwrites existing datasets or charts (only the
    // dashboard); the dataset and chart imports do, each from a bundle of its own type.
    for (const [type, endpoint] of [
      ['SqlaTable', 'dataset'],
      ['Slice', 'chart'],
    ] as const) {
      const metadata = path.join(broken, 'metadata.yaml');
      fs.writeFileSync(
        metadata,
        fs.readFileSync(metadata, 'utf8').replace(/^type: .*$/m, `type: ${type}`),
      );
      const zip = path.join(work, `broken-${endpoint}.zip`);
      await buildBundleZip(zip, broken);
      const form = new FormData();
      form.append('formData', new Blob([fs.readFileSync(zip)]), `broken-${endpoint}.zip`);
      form.append('overwrite', 'true');
      const imported = await api.request('POST', `/api/v1/${endpoint}/import/`, form);
      expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    }
    await repointDatabase();

    const results = await runEveryChart(api);
    const problems = results.flatMap((r) => (r.problem ? [r.problem] : []));
    expect(problems, JSON.stringify(results)).toHaveLength(1);
    expect(problems[0]).toMatch(/^chart 'Daily CTR per campaign': /);
    expect(problems[0]).toMatch(/campaign_label/);
  });
});

/** PUT the warehouse URI on the bundle's database, as set-database-uri does. */
async function repointDatabase(): Promise<void> {
  const server = new URL(warehouse.url);
  const databases = await api.get<{ result: Doc[] }>('/api/v1/database/?q=(page_size:100)');
  const database = databases.result.find((d) => d.database_name === 'ClickHouse analytics');
  const updated = await api.request('PUT', `/api/v1/database/${database?.id}`, {
    sqlalchemy_uri: clickhouseUri({
      user: warehouse.env.CLICKHOUSE_USER ?? '',
      password: warehouse.env.CLICKHOUSE_PASSWORD ?? '',
      host: server.hostname,
      port: server.port,
    }),
  });
  expect(updated.status, JSON.stringify(updated.body)).toBe(200);
}
