import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYaml, repoRoot } from '../stack/stack-files.js';

/**
 * The Superset dashboard bundle in superset/bundle/, checked statically in a second, before real
 * Superset imports it (test/superset): required fields, uuid references, and against the dbt
 * project: each dataset is a table a dbt model builds in `analytics`, every column it or its
 * charts use is documented in that model's YAML, and every dashboard filter's column exists in
 * every chart's dataset (a native filter applies to all charts by column name).
 */

type Doc = Record<string, unknown>;

interface Bundle {
  metadata: Doc;
  databases: Map<string, Doc>;
  datasets: Map<string, Doc>;
  charts: Map<string, Doc>;
  dashboards: Map<string, Doc>;
}

interface DbtModel {
  schema: string | undefined;
  columns: Set<string>;
}

const bundleDir = path.join(repoRoot, 'superset/bundle');
const dbtDir = path.join(repoRoot, 'dbt');

const REQUIRED: Record<Exclude<keyof Bundle, 'metadata'>, string[]> = {
  databases: ['database_name', 'sqlalchemy_uri', 'uuid', 'version'],
  datasets: ['table_name', 'schema', 'uuid', 'database_uuid', 'columns', 'metrics', 'version'],
  charts: ['slice_name', 'viz_type', 'params', 'uuid', 'dataset_uuid', 'version'],
  dashboards: ['dashboard_title', 'uuid', 'position', 'metadata', 'version'],
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .map((f) => path.join(dir, f))
    .sort();
}

function loadBundle(): Bundle {
  const kind = (name: keyof Bundle) =>
    new Map(
      yamlFiles(path.join(bundleDir, name)).map((f) => [
        path.relative(bundleDir, f),
        readYaml<Doc>(f),
      ]),
    );
  return {
    metadata: readYaml<Doc>(path.join(bundleDir, 'metadata.yaml')),
    databases: kind('databases'),
    datasets: kind('datasets'),
    charts: kind('charts'),
    dashboards: kind('dashboards'),
  };
}

/** Every dbt model with its YAML-documented columns and the database (schema) it lands in. */
function loadDbtModels(): Map<string, DbtModel> {
  const project = readYaml<{ models?: Record<string, Record<string, Doc>> }>(
    path.join(dbtDir, 'dbt_project.yml'),
  );
  const folderConfigs = Object.values(project.models ?? {})[0] ?? {};
  const models = new Map<string, DbtModel>();
  for (const file of yamlFiles(path.join(dbtDir, 'models'))) {
    const folder = path.relative(path.join(dbtDir, 'models'), file).split(path.sep)[0] ?? '';
    const schema = folderConfigs[folder]?.['+schema'] as string | undefined;
    const doc = readYaml<{ models?: { name: string; columns?: { name: string }[] }[] }>(file);
    for (const model of doc.models ?? []) {
      const sql = path.join(path.dirname(file), `${model.name}.sql`);
      if (!fs.existsSync(sql)) continue;
      models.set(model.name, {
        schema,
        columns: new Set((model.columns ?? []).map((c) => c.name)),
      });
    }
  }
  return models;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Column names a chart's params use (axes, groupings, table columns, filters, formatting). */
function chartColumns(params: Doc): string[] {
  const columns = [
    str(params.x_axis),
    str(params.granularity_sqla),
    ...list(params.groupby).map(str),
    ...list(params.groupby_b).map(str),
    ...list(params.all_columns).map(str),
    ...list(params.columns).map(str),
    ...[...list(params.adhoc_filters), ...list(params.adhoc_filters_b)].map((f) =>
      str((f as Doc).subject),
    ),
    ...list(params.order_by_cols).map((o) => str(JSON.parse(String(o))[0])),
  ];
  return columns.filter((c): c is string => c !== undefined);
}

/** Identifiers of a SQL metric expression that are not function names. */
function expressionColumns(expression: string): string[] {
  const withoutStrings = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  return [...withoutStrings.matchAll(/\b([A-Za-z_]\w*)\b(?!\s*\()/g)]
    .map((m) => m[1] ?? '')
    .filter((word) => !/^(and|or|not|null|as|case|when|then|else|end|distinct)$/i.test(word));
}

function bundleProblems(bundle: Bundle, dbtModels: Map<string, DbtModel>): string[] {
  const problems: string[] = [];
  if (bundle.metadata.version !== '1.0.0') problems.push('metadata.yaml: version must be 1.0.0');
  // `assets`: imported by Superset's assets importer (superset/bootstrap/import_assets.py).
  if (bundle.metadata.type !== 'assets') problems.push('metadata.yaml: type must be assets');

  const seen = new Map<string, string>();
  for (const kind of Object.keys(REQUIRED) as (keyof typeof REQUIRED)[]) {
    for (const [file, doc] of bundle[kind]) {
      for (const field of REQUIRED[kind]) {
        if (doc[field] === undefined) problems.push(`${file}: missing required field '${field}'`);
      }
      if (doc.version !== '1.0.0') problems.push(`${file}: version must be 1.0.0`);
      const uuid = String(doc.uuid);
      if (!UUID.test(uuid)) problems.push(`${file}: uuid '${uuid}' is not a UUID`);
      const other = seen.get(uuid);
      if (other) problems.push(`${file}: uuid ${uuid} is also used by ${other}`);
      seen.set(uuid, file);
    }
  }
  const byUuid = (kind: keyof typeof REQUIRED) =>
    new Map([...bundle[kind].values()].map((doc) => [String(doc.uuid), doc]));
  const databases = byUuid('databases');
  const datasets = byUuid('datasets');
  const charts = byUuid('charts');

  for (const [file, database] of bundle.databases) {
    const uri = String(database.sqlalchemy_uri);
    // No password, not even a masked one: Superset refuses to import a masked password for a
    // database it does not have yet; init.sh sets the real URI after the import.
    if (!/^clickhousedb:\/\/[^:@/]+@clickhouse:8123\/analytics$/.test(uri)) {
      problems.push(
        `${file}: sqlalchemy_uri must be clickhousedb://<user>@clickhouse:8123/analytics (no password)`,
      );
    }
  }

  for (const [file, dataset] of bundle.datasets) {
    if (!databases.has(String(dataset.database_uuid))) {
      problems.push(
        `${file}: database_uuid ${dataset.database_uuid} matches no database in the bundle`,
      );
    }
    const table = String(dataset.table_name);
    const model = dbtModels.get(table);
    if (!model) {
      problems.push(`${file}: table ${table} is not produced by any documented dbt model`);
      continue;
    }
    if (dataset.schema !== model.schema) {
      problems.push(`${file}: schema ${dataset.schema} but dbt builds ${table} in ${model.schema}`);
    }
    const columns = list(dataset.columns).map((c) => String((c as Doc).column_name));
    for (const column of columns) {
      if (!model.columns.has(column))
        problems.push(`${file}: column ${column} is not in dbt model ${table}'s YAML`);
    }
    for (const metric of list(dataset.metrics) as Doc[]) {
      // Superset aliases a metric with its name; ClickHouse then reads `clicks` inside another
      // metric's sum(clicks) as that alias (ILLEGAL_AGGREGATION), so names must not be columns.
      if (columns.includes(String(metric.metric_name)))
        problems.push(`${file}: metric ${metric.metric_name} has a column's name`);
      for (const column of expressionColumns(String(metric.expression))) {
        if (!columns.includes(column)) {
          problems.push(`${file}: metric ${metric.metric_name} uses unknown column ${column}`);
        }
      }
    }
    const dttm = dataset.main_dttm_col;
    if (dttm !== null && dttm !== undefined && !columns.includes(String(dttm))) {
      problems.push(`${file}: main_dttm_col ${dttm} is not a dataset column`);
    }
  }

  for (const [file, chart] of bundle.charts) {
    const dataset = datasets.get(String(chart.dataset_uuid));
    if (!dataset) {
      problems.push(`${file}: dataset_uuid ${chart.dataset_uuid} matches no dataset in the bundle`);
      continue;
    }
    const params = (chart.params ?? {}) as Doc;
    if (params.viz_type !== chart.viz_type)
      problems.push(`${file}: params.viz_type differs from viz_type`);
    const columns = new Set(list(dataset.columns).map((c) => String((c as Doc).column_name)));
    const metrics = new Set(list(dataset.metrics).map((m) => String((m as Doc).metric_name)));
    for (const column of chartColumns(params)) {
      if (!columns.has(column))
        problems.push(`${file}: column ${column} is not in dataset ${dataset.table_name}`);
    }
    // Formatting is keyed by a column or a metric the chart shows.
    for (const key of Object.keys((params.column_config as Doc | undefined) ?? {})) {
      if (!columns.has(key) && !metrics.has(key))
        problems.push(
          `${file}: column_config ${key} is neither a column nor a metric of ${dataset.table_name}`,
        );
    }
    const used = [
      ...list(params.metrics),
      ...list(params.metrics_b),
      params.metric,
      params.series_limit_metric,
      params.timeseries_limit_metric,
    ];
    for (const metric of used.filter((m) => m !== undefined)) {
      if (typeof metric !== 'string' || !metrics.has(metric)) {
        problems.push(
          `${file}: metric ${JSON.stringify(metric)} is not a metric of dataset ${dataset.table_name}`,
        );
      }
    }
  }

  for (const [file, dashboard] of bundle.dashboards) {
    const position = dashboard.position as Record<string, Doc>;
    const placed = new Set<string>();
    for (const [id, node] of Object.entries(position)) {
      if (id === 'DASHBOARD_VERSION_KEY') continue;
      if (node.id !== id) problems.push(`${file}: position node ${id} has id ${node.id}`);
      for (const child of list(node.children)) {
        if (!position[String(child)]) problems.push(`${file}: ${id} has unknown child ${child}`);
      }
      for (const parent of list(node.parents)) {
        if (!position[String(parent)]) problems.push(`${file}: ${id} has unknown parent ${parent}`);
      }
      if (node.type === 'CHART') {
        const uuid = String((node.meta as Doc | undefined)?.uuid);
        if (!charts.has(uuid))
          problems.push(`${file}: ${id} places chart ${uuid}, which is not in the bundle`);
        // Superset's importer maps chartId -> new id and fails (KeyError) without one.
        if (!Number.isInteger((node.meta as Doc | undefined)?.chartId))
          problems.push(`${file}: ${id} has no integer meta.chartId`);
        placed.add(uuid);
      }
    }
    for (const [uuid, chart] of charts) {
      if (!placed.has(uuid))
        problems.push(`${file}: chart '${chart.slice_name}' is not placed on the dashboard`);
    }
    // Every filter reaches every chart: its column is in each chart's dataset, and each chart
    // has a time-range filter on a time column of its dataset for the date range to replace.
    const filters = list((dashboard.metadata as Doc | undefined)?.native_filter_configuration);
    for (const filter of filters as Doc[]) {
      for (const target of list(filter.targets) as Doc[]) {
        const column = str((target.column as Doc | undefined)?.name);
        if (!column) continue;
        for (const chart of charts.values()) {
          const dataset = datasets.get(String(chart.dataset_uuid));
          const columns = list(dataset?.columns).map((c) => String((c as Doc).column_name));
          if (!columns.includes(column))
            problems.push(
              `${file}: filter '${filter.name}' uses ${column}, which chart '${chart.slice_name}' (dataset ${dataset?.table_name}) lacks`,
            );
        }
      }
    }
    for (const chart of charts.values()) {
      const dataset = datasets.get(String(chart.dataset_uuid));
      const dttm = new Set(
        (list(dataset?.columns) as Doc[]).filter((c) => c.is_dttm).map((c) => c.column_name),
      );
      const temporal = (list((chart.params as Doc).adhoc_filters) as Doc[]).some(
        (f) => f.operator === 'TEMPORAL_RANGE' && dttm.has(f.subject),
      );
      if (!temporal)
        problems.push(
          `${file}: chart '${chart.slice_name}' has no TEMPORAL_RANGE filter on a time column: the date range cannot apply`,
        );
    }
  }
  return problems;
}

describe('Superset bundle', () => {
  const bundle = loadBundle();
  const dbtModels = loadDbtModels();

  it('is structurally valid and consistent with the dbt models', () => {
    expect(bundleProblems(bundle, dbtModels)).toEqual([]);
  });

  it('holds the Campaign performance dashboard with the charts the product promises', () => {
    const titles = [...bundle.dashboards.values()].map((d) => d.dashboard_title);
    expect(titles).toEqual(['Campaign performance']);
    const charts = [...bundle.charts.values()].map((c) => [
      c.slice_name,
      (c.params as Doc).viz_type,
    ]);
    expect(charts.sort()).toEqual(
      [
        ['Impressions', 'big_number_total'],
        ['Clicks', 'big_number_total'],
        ['CTR', 'big_number_total'],
        ['Spend', 'big_number_total'],
        [
          'Daily CTR per campaign (top 10 by impressions, complete days)',
          'echarts_timeseries_line',
        ],
        ['Daily impressions and clicks (complete days)', 'echarts_timeseries_bar'],
        ['Spend vs budget per campaign', 'table'],
        ['Cross-channel spend, CTR, CPC and CPM by platform and currency', 'table'],
      ].sort(),
    );
    const budget = [...bundle.charts.values()].find(
      (c) => c.slice_name === 'Spend vs budget per campaign',
    );
    expect((budget?.params as Doc | undefined)?.groupby).toEqual(
      expect.arrayContaining(['status', 'flight_check', 'start_date', 'end_date']),
    );
    const crossChannel = [...bundle.charts.values()].find((c) =>
      String(c.slice_name).startsWith('Cross-channel'),
    );
    // Spend is never summed across currencies.
    expect((crossChannel?.params as Doc | undefined)?.groupby).toContain('currency');
    const dashboard = [...bundle.dashboards.values()][0];
    const filters = list((dashboard?.metadata as Doc | undefined)?.native_filter_configuration);
    expect((filters as Doc[]).map((f) => [f.name, f.filterType])).toEqual([
      ['Advertiser', 'filter_select'],
      ['Campaign', 'filter_select'],
      ['Date range', 'filter_time'],
    ]);
  });

  it('finds broken references, unknown columns and duplicate uuids', () => {
    const broken = structuredClone(bundle);
    const [datasetFile, dataset] = [...broken.datasets][0] as [string, Doc];
    (dataset.columns as Doc[]).push({ column_name: 'no_such_column' });
    dataset.table_name = 'no_such_model';
    const [chartFile, chart] = [...broken.charts][0] as [string, Doc];
    chart.dataset_uuid = '00000000-0000-4000-8000-000000000000';
    const [, otherChart] = [...broken.charts][1] as [string, Doc];
    otherChart.uuid = [...broken.databases.values()][0]?.uuid;
    delete broken.metadata.version;
    const problems = bundleProblems(broken, dbtModels).join('\n');
    expect(problems).toMatch(
      `${datasetFile}: table no_such_model is not produced by any documented dbt model`,
    );
    expect(problems).toMatch(
      `${chartFile}: dataset_uuid 00000000-0000-4000-8000-000000000000 matches no dataset`,
    );
    expect(problems).toMatch(/uuid .* is also used by databases\//);
    expect(problems).toMatch('metadata.yaml: version must be 1.0.0');

    const wrongColumn = structuredClone(bundle);
    const [file, ds] = [...wrongColumn.datasets][0] as [string, Doc];
    (ds.columns as Doc[]).push({ column_name: 'no_such_column' });
    expect(bundleProblems(wrongColumn, dbtModels).join('\n')).toMatch(
      `${file}: column no_such_column is not in dbt model`,
    );
  });
});

describe('superset/Dockerfile', () => {
  it('pins the Superset and clickhouse-connect versions the tests run (python/superset)', () => {
    const dockerfile = fs.readFileSync(path.join(repoRoot, 'superset/Dockerfile'), 'utf8');
    const requirements = fs.readFileSync(
      path.join(repoRoot, 'python/superset/requirements.in'),
      'utf8',
    );
    const pin = (name: string) => new RegExp(`^${name}==(\\S+)`, 'm').exec(requirements)?.[1];
    expect(pin('apache-superset')).toBeDefined();
    expect(dockerfile).toMatch(new RegExp(`^FROM apache/superset:${pin('apache-superset')}$`, 'm'));
    expect(dockerfile).toContain(`"clickhouse-connect==${pin('clickhouse-connect')}"`);
  });
});
