/**
 * The Campaign performance bundle in real Superset (the locked .venvs/superset): zipped by the
 * stack's own builder, imported by the stack's importer (superset/bootstrap/import_assets.py)
 * after the stack's bootstrap commands, imported again without changing anything, pointed at a
 * warehouse that real dbt built from demo rows, and opened in headless Chromium: every chart's
 * queries as Superset's own frontend builds them (rows, the filters applied), the dashboard's
 * filters reaching every chart, a broken chart named. Every Superset step's time is printed.
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
import { type DashboardVisit, openDashboard } from './browser.js';
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
/** One field of every bundle file of a kind (`charts`, `datasets`, …), sorted. */
const bundleField = (kind: string, field: string) =>
  [...bundle]
    .filter(([file]) => file.startsWith(`${kind}/`))
    .map(([, doc]) => String(doc[field]))
    .sort();
const bundleUuids = (kind: string) => bundleField(kind, 'uuid');
const chartNames = () => bundleField('charts', 'slice_name');

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
  const [createAdmin, resetPassword, importAssets, setUri] = bootstrapSteps({
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
      importAssets,
      setUri,
      { name: 'snapshot after the first import', snapshot: path.join(work, 'first.json') },
      // What every later `docker compose up` does again.
      importAssets,
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
    expect(uuids('dbs')).toEqual(bundleUuids('databases'));
    expect(uuids('tables')).toEqual(bundleUuids('datasets'));
    expect(uuids('slices')).toEqual(bundleUuids('charts'));
    expect(uuids('dashboards')).toEqual(bundleUuids('dashboards'));

    // And through the REST API, as a user sees them.
    const names = (body: { result: Doc[] }, key: string) =>
      body.result.map((row) => String(row[key])).sort();
    const datasets = await api.get<{ result: Doc[] }>('/api/v1/dataset/?q=(page_size:100)');
    expect(names(datasets, 'table_name')).toEqual(bundleField('datasets', 'table_name'));
    const charts = await api.get<{ result: Doc[] }>('/api/v1/chart/?q=(page_size:100)');
    expect(names(charts, 'slice_name')).toEqual(chartNames());
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

/** Chart id -> name, as Superset numbered the imported charts. */
async function chartIds(): Promise<Map<number, string>> {
  const charts = await api.get<{ result: { id: number; slice_name: string }[] }>(
    '/api/v1/chart/?q=(columns:!(id,slice_name),page_size:100)',
  );
  return new Map(charts.result.map((chart) => [chart.id, chart.slice_name]));
}

/** The dashboard in Chromium; each chart's chart-data responses under its name. */
async function visit(screenshotName: string, query?: string) {
  const result = await openDashboard({
    url,
    user: ADMIN,
    password,
    dashboardTitle: DASHBOARD_TITLE,
    chartNames: chartNames(),
    screenshot: path.join(OUTPUT_DIR, screenshotName),
    ...(query ? { query } : {}),
  });
  const names = await chartIds();
  const byChart = new Map<string, DashboardVisit['chartData']>();
  for (const seen of result.chartData) {
    const name = names.get(seen.sliceId) ?? `chart id ${seen.sliceId}`;
    byChart.set(name, [...(byChart.get(name) ?? []), seen]);
  }
  return { ...result, byChart };
}

/** The dashboard's date range filter default, as the bundle declares it. */
const DEFAULT_RANGE = (() => {
  const dashboard = [...bundle].find(([file]) => file.startsWith('dashboards/'))?.[1];
  const metadata = (dashboard?.metadata ?? {}) as Doc;
  const filters = (metadata.native_filter_configuration ?? []) as Doc[];
  const range = filters.find((f) => f.filterType === 'filter_time')?.defaultDataMask as Doc;
  return String((range.filterState as Doc).value);
})();
const DAILY_CTR = 'Daily CTR per campaign (top 10 by impressions, complete days)';
const DAILY_VOLUME = 'Daily impressions and clicks (complete days)';
const todayUtc = () => new Date().toISOString().slice(0, 10);
const utcDaysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const dayOf = (value: unknown) => new Date(Number(value)).toISOString().slice(0, 10);

describe('the dashboard in Chromium, queried by Superset’s own frontend', () => {
  let visited: Awaited<ReturnType<typeof visit>>;
  beforeAll(async () => {
    visited = await visit('superset-dashboard.png');
  }, 300_000);

  it('draws every chart with no error, and nothing leaves the machine', () => {
    expect(visited.errors).toEqual([]);
    expect(visited.offMachineRequests).toEqual([]);
    process.stderr.write(
      `[superset test] refused by the CSP: ${JSON.stringify(visited.cspBlocked)}\n`,
    );
    expect(visited.chartsDrawn.sort()).toEqual(chartNames());
    expect(fs.statSync(path.join(OUTPUT_DIR, 'superset-dashboard.png')).size).toBeGreaterThan(
      10_000,
    );
  });

  it('every chart answers with rows, within the default date range', () => {
    expect([...visited.byChart.keys()].sort()).toEqual(chartNames());
    const problems: string[] = [];
    for (const [name, responses] of visited.byChart) {
      for (const { status, queries, timeRanges } of responses) {
        if (status !== 200) problems.push(`${name}: HTTP ${status}`);
        // The date range filter's default (the last 30 days) reached the chart's query.
        if (timeRanges.length === 0 || timeRanges.some((range) => range !== DEFAULT_RANGE))
          problems.push(`${name}: time ranges ${JSON.stringify(timeRanges)}`);
        for (const query of queries) {
          if (query.error) problems.push(`${name}: ${query.error}`);
          if (!(query.rowcount > 0)) problems.push(`${name}: no rows`);
          if (!query.applied.some((column) => ['activity_date', 'date_day'].includes(column)))
            problems.push(`${name}: the date range was not applied (${query.applied})`);
          if (query.rejected.length > 0) problems.push(`${name}: rejected ${query.rejected}`);
        }
      }
    }
    expect(problems).toEqual([]);
    process.stderr.write(
      `[superset test] chart rows: ${[...visited.byChart].map(([name, r]) => `${name}=${r.flatMap((x) => x.queries.map((q) => q.rowcount)).join('+')}`).join(', ')}\n`,
    );
  });

  it('leaves today’s partial day out of the daily charts, and flags delivery outside the flight', () => {
    // The demo data has rows today (UTC); the daily charts must not draw them.
    for (const name of [DAILY_CTR, DAILY_VOLUME]) {
      const days = (visited.byChart.get(name) ?? [])
        .flatMap((r) => r.queries.flatMap((q) => q.data))
        .map((row) => dayOf(row.activity_date));
      expect(days.length, name).toBeGreaterThan(0);
      expect(days, name).not.toContain(todayUtc());
      // The demo's day 40 days back lies outside the default range.
      expect(
        days.filter((day) => day < utcDaysAgo(30)),
        name,
      ).toEqual([]);
    }
    const budgetRows = (visited.byChart.get('Spend vs budget per campaign') ?? []).flatMap((r) =>
      r.queries.flatMap((q) => q.data),
    );
    const teaser = budgetRows.find((row) => row.campaign_name === 'Teaser');
    expect(teaser).toMatchObject({
      status: 'scheduled',
      flight_check: 'activity_before_start',
    });
    expect(Number(teaser?.out_of_flight_impressions)).toBeGreaterThan(0);
  });

  it('never sums spend across currencies in the cross-channel chart', () => {
    const rows = (
      visited.byChart.get('Cross-channel spend, CTR, CPC and CPM by platform and currency') ?? []
    ).flatMap((r) => r.queries.flatMap((q) => q.data));
    expect(rows.map((row) => [row.channel, row.currency]).sort()).toEqual([
      ['facebook_ads', 'USD'],
      ['google_ads', 'EUR'],
    ]);
  });

  it('applies the advertiser filter to every chart (set through the dashboard URL)', async () => {
    const mask = (id: string, column: string, value: string) =>
      `${id}:(extraFormData:(filters:!((col:${column},op:IN,val:!('${value}')))),filterState:(value:!('${value}')),id:${id})`;
    const filtered = await visit(
      'superset-dashboard-acme.png',
      `native_filters=(${mask('NATIVE_FILTER-advertiser', 'advertiser_name', 'Acme')})`,
    );
    expect(filtered.errors).toEqual([]);
    expect([...filtered.byChart.keys()].sort()).toEqual(chartNames());
    for (const [name, responses] of filtered.byChart) {
      for (const query of responses.flatMap((r) => r.queries)) {
        expect(query.applied, name).toContain('advertiser_name');
        expect(query.rejected, name).toEqual([]);
      }
    }
    const advertisers = (filtered.byChart.get('Spend vs budget per campaign') ?? [])
      .flatMap((r) => r.queries.flatMap((q) => q.data))
      .map((row) => row.advertiser_name);
    expect(new Set(advertisers)).toEqual(new Set(['Acme']));
  });

  it('names the chart whose column the dbt model does not have', async () => {
    // A copy of the bundle where one chart groups by a column its dataset declares but the
    // dbt model lacks (a renamed model column), imported through Superset's REST assets import
    // (the same importer as import_assets.py), then the dashboard opened again.
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
    const zip = path.join(work, 'broken.zip');
    await buildBundleZip(zip, broken);
    const form = new FormData();
    form.append('bundle', new Blob([fs.readFileSync(zip)]), 'broken.zip');
    const imported = await api.request('POST', '/api/v1/assets/import/', form);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    await repointDatabase();

    const result = await visit('superset-dashboard-broken.png');
    expect(result.errors.length, JSON.stringify(result.errors)).toBeGreaterThan(0);
    const named = result.errors.filter((error) => error.startsWith(`chart '${DAILY_CTR}': `));
    expect(named, JSON.stringify(result.errors)).toHaveLength(1);
    expect(named[0]).toMatch(/campaign_label/);
    // Every other chart still drew.
    expect(result.chartsDrawn.sort()).toEqual(chartNames().filter((name) => name !== DAILY_CTR));
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
