/**
 * Every chart's query run through Superset's chart-data API (`POST /api/v1/chart/data`), with
 * the query context Superset's frontend builds from the chart's saved params (the bundle's charts
 * carry no saved query_context): x-axis at its time grain, group-bys, the dataset's saved
 * metrics, the adhoc filters, raw-mode columns and ordering, row limits; mixed charts send both
 * queries. Problems name the chart.
 */
import type { SupersetApi } from '../../local/superset-runtime.js';

type Doc = Record<string, unknown>;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] =>
  list(value).filter((v): v is string => typeof v === 'string');

interface QueryParts {
  metrics: unknown;
  groupby: unknown;
  filters: unknown;
  rowLimit: unknown;
  orderDesc: unknown;
}

function filtersOf(adhoc: unknown): Doc[] {
  return list(adhoc).map((f) => {
    const filter = f as Doc;
    if (filter.expressionType === 'SQL') {
      return { col: { sqlExpression: filter.sqlExpression, label: 'sql' }, op: 'IS NOT NULL' };
    }
    return { col: filter.subject, op: filter.operator, val: filter.comparator };
  });
}

function aggregateQuery(params: Doc, parts: QueryParts): Doc {
  const metrics = strings(parts.metrics);
  const columns: unknown[] = [];
  const xAxis = typeof params.x_axis === 'string' ? params.x_axis : undefined;
  if (xAxis) {
    columns.push({
      timeGrain: params.time_grain_sqla,
      columnType: 'BASE_AXIS',
      sqlExpression: xAxis,
      label: xAxis,
      expressionType: 'SQL',
    });
  }
  columns.push(...strings(parts.groupby));
  return {
    columns,
    metrics,
    filters: filtersOf(parts.filters),
    orderby: metrics.length > 0 ? [[metrics[0], parts.orderDesc === false]] : [],
    row_limit: Number(parts.rowLimit ?? 10000),
    extras: { time_grain_sqla: params.time_grain_sqla, having: '', where: '' },
    series_columns: strings(parts.groupby),
  };
}

/** The queries Superset's frontend sends for a chart of these params. */
export function chartQueries(params: Doc): Doc[] {
  if (params.viz_type === 'table' && params.query_mode === 'raw') {
    return [
      {
        columns: strings(params.all_columns),
        metrics: [],
        filters: filtersOf(params.adhoc_filters),
        orderby: strings(params.order_by_cols).map((o) => JSON.parse(o) as [string, boolean]),
        row_limit: Number(params.row_limit ?? 1000),
        extras: { having: '', where: '' },
      },
    ];
  }
  const first = aggregateQuery(params, {
    metrics: params.metrics ?? (params.metric ? [params.metric] : []),
    groupby: params.groupby,
    filters: params.adhoc_filters,
    rowLimit: params.row_limit,
    orderDesc: params.order_desc,
  });
  if (params.viz_type !== 'mixed_timeseries') return [first];
  return [
    first,
    aggregateQuery(params, {
      metrics: params.metrics_b,
      groupby: params.groupby_b,
      filters: params.adhoc_filters_b,
      rowLimit: params.row_limit_b,
      orderDesc: params.order_desc_b,
    }),
  ];
}

export interface ChartResult {
  name: string;
  rows: number[];
  problem?: string;
}

/** Run every chart of Superset's chart list; a problem per chart that fails or has no rows. */
export async function runEveryChart(api: SupersetApi): Promise<ChartResult[]> {
  const charts = await api.get<{
    result: { id: number; slice_name: string; params: string; datasource_id: number }[];
  }>('/api/v1/chart/?q=(columns:!(id,slice_name,params,datasource_id),page_size:100)');
  const results: ChartResult[] = [];
  for (const {
    id,
    slice_name: name,
    params: saved,
    datasource_id: datasourceId,
  } of charts.result) {
    const params = JSON.parse(saved) as Doc;
    const { status, body } = await api.request<Doc>('POST', '/api/v1/chart/data', {
      datasource: { id: datasourceId, type: 'table' },
      force: true,
      queries: chartQueries(params),
      form_data: { ...params, slice_id: id, datasource: `${datasourceId}__table` },
      result_format: 'json',
      result_type: 'full',
    });
    const queryResults = list(body.result) as Doc[];
    const rows = queryResults.map((r) => Number(r.rowcount ?? list(r.data).length));
    let problem: string | undefined;
    const errors = queryResults.map((r) => r.error).filter(Boolean);
    if (status !== 200 || errors.length > 0) {
      const message = body.message ?? body.errors ?? errors;
      problem = `chart '${name}': HTTP ${status}: ${JSON.stringify(message).slice(0, 600)}`;
    } else if (rows.length === 0 || rows.some((n) => !(n > 0))) {
      problem = `chart '${name}': a query returned no rows (${JSON.stringify(rows)})`;
    }
    results.push(problem ? { name, rows, problem } : { name, rows });
  }
  return results;
}
