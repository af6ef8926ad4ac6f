/**
 * Android vitals from the Play Developer Reporting API: the crash-rate and ANR-rate metric sets,
 * DAILY in America/Los_Angeles (the only zone the API serves daily vitals in), read in chunks of
 * `--chunk-days`, page by page. The window ends where the metric set's freshness says data ends,
 * so the state never moves over days the API has not computed yet; `--lookback-days` re-reads
 * the recent days the API restates. Metric values are `decimalValue`s kept exact: checked to fit
 * Decimal(38, 18), never parsed as floats.
 */
import {
  chunkBatch,
  chunkWindow,
  nextWindowState,
  resolveWindow,
  type WindowState,
} from '../../ad-platforms/window.js';
import { todayIn } from '../../core/dates.js';
import type { Batch, StreamDefinition } from '../../core/source.js';
import { dayOf, type MetricSet, type MetricsRow, VITALS_TIMEZONE } from '../client.js';
import type { PlayConfig } from '../config.js';
import { kinds, ReportFormatError } from '../reports.js';
import type { PlaySession } from '../session.js';

type Row = Record<string, unknown>;

interface VitalsSpec {
  readonly name: string;
  readonly table: string;
  readonly set: MetricSet;
  /** API metric name → column. */
  readonly metrics: Readonly<Record<string, string>>;
}

export const VITALS: readonly VitalsSpec[] = [
  {
    name: 'vitals_crash_rate',
    table: 'raw.google_play_vitals_crash_rate',
    set: 'crashRateMetricSet',
    metrics: {
      crashRate: 'crash_rate',
      userPerceivedCrashRate: 'user_perceived_crash_rate',
      distinctUsers: 'distinct_users',
    },
  },
  {
    name: 'vitals_anr_rate',
    table: 'raw.google_play_vitals_anr_rate',
    set: 'anrRateMetricSet',
    metrics: {
      anrRate: 'anr_rate',
      userPerceivedAnrRate: 'user_perceived_anr_rate',
      distinctUsers: 'distinct_users',
    },
  },
];

/** One API row as table columns; a metric the row lacks is NULL. */
export function vitalsRow(spec: VitalsSpec, packageName: string, row: MetricsRow): Row {
  const out: Row = { package_name: packageName, date: dayOf(row.startTime ?? undefined) };
  for (const column of Object.values(spec.metrics)) out[column] = null;
  for (const metric of row.metrics ?? []) {
    const column = metric.metric ? spec.metrics[metric.metric] : undefined;
    if (!column) continue;
    const value = metric.decimalValue?.value;
    try {
      out[column] = kinds.ratio.parse(value ?? '');
    } catch (error) {
      throw new ReportFormatError(
        `${spec.set} ${packageName} ${out.date as string} ${metric.metric}: ${JSON.stringify(value)} ${(error as Error).message}`,
      );
    }
  }
  return out;
}

export function vitalsStream(
  spec: VitalsSpec,
  config: PlayConfig,
): StreamDefinition<PlaySession, WindowState, Row> {
  return {
    name: spec.name,
    table: spec.table,
    key: ['package_name', 'date'],
    cursor: 'date',
    columns: {
      package_name: 'String',
      date: 'Date',
      ...Object.fromEntries(Object.values(spec.metrics).map((c) => [c, kinds.ratio.type])),
    },
    partitionBy: 'toYYYYMM(date)',
    initialState: {},
    nextState: nextWindowState,
    async *read({ session, state, log }): AsyncGenerator<Batch<Row>> {
      const window = resolveWindow({
        ...config.window,
        cursor: state.cursor,
        today: todayIn(VITALS_TIMEZONE),
      });
      const fresh = await session.client.dailyFreshness(session.packageName, spec.set);
      const until = fresh && fresh < window.until ? fresh : window.until;
      log.info(
        `${spec.name} window ${window.since}..${until} (until exclusive; data until ${fresh ?? 'unknown'})`,
        {
          event: 'window',
          since: window.since,
          until,
        },
      );
      for (const chunk of chunkWindow({ since: window.since, until }, config.chunkDays)) {
        const pages = session.client.queryDaily({
          packageName: session.packageName,
          set: spec.set,
          metrics: Object.keys(spec.metrics),
          since: chunk.since,
          until: chunk.until,
          pageSize: config.pageSize,
        });
        for await (const page of pages) {
          const rows = page.rows.map((row) => vitalsRow(spec, session.packageName, row));
          yield chunkBatch(rows, chunk, page.complete);
        }
      }
    },
  };
}
