/**
 * The Play Console's monthly statistics reports (`stats/<report>/<report>_<package>_<YYYYMM>_
 * <dimension>.csv`, UTF-16LE): one stream per report file kind. Each month's file is downloaded,
 * decoded and typed whole (a month of one package is small), written as one batch, and then the
 * stream's cursor moves over the month's days. A month whose file does not exist yet (the first
 * days of a month) is an empty month, not an error.
 */
import { chunkBatch, nextWindowState, type WindowState } from '../../ad-platforms/window.js';
import type { Batch, StreamDefinition } from '../../core/source.js';
import type { PlayConfig } from '../config.js';
import {
  type ColumnKinds,
  columnTypes,
  decodeReport,
  kinds,
  parseReport,
  ReportFormatError,
} from '../reports.js';
import type { PlaySession } from '../session.js';
import { runMonths } from './months.js';

type Row = Record<string, unknown>;

export interface MonthlyReportSpec {
  readonly name: string;
  readonly table: string;
  /** `installs`, `ratings`, `crashes`: the folder under stats/ and the file name's start. */
  readonly report: string;
  /** `overview`, `country`: the file name's end. */
  readonly dimension: string;
  /** The columns besides `date` and `package_name`, by snake_case header. */
  readonly columns: ColumnKinds;
  /** Key columns besides `package_name` and `date` (e.g. `country`); required headers too. */
  readonly extraKey?: readonly string[];
}

const INSTALL_COUNTS = {
  daily_device_installs: kinds.count,
  daily_device_uninstalls: kinds.count,
  daily_device_upgrades: kinds.count,
  total_user_installs: kinds.count,
  daily_user_installs: kinds.count,
  daily_user_uninstalls: kinds.count,
  active_device_installs: kinds.count,
  install_events: kinds.count,
  update_events: kinds.count,
  uninstall_events: kinds.count,
};

export const MONTHLY_REPORTS: readonly MonthlyReportSpec[] = [
  {
    name: 'installs_overview',
    table: 'raw.google_play_installs_overview',
    report: 'installs',
    dimension: 'overview',
    columns: INSTALL_COUNTS,
  },
  {
    name: 'installs_country',
    table: 'raw.google_play_installs_country',
    report: 'installs',
    dimension: 'country',
    columns: { country: kinds.text, ...INSTALL_COUNTS },
    extraKey: ['country'],
  },
  {
    name: 'ratings_overview',
    table: 'raw.google_play_ratings_overview',
    report: 'ratings',
    dimension: 'overview',
    columns: { daily_average_rating: kinds.ratio, total_average_rating: kinds.ratio },
  },
  {
    name: 'crashes_overview',
    table: 'raw.google_play_crashes_overview',
    report: 'crashes',
    dimension: 'overview',
    columns: { daily_crashes: kinds.count, daily_anrs: kinds.count },
  },
];

/** `stats/installs/installs_com.example.app_202403_overview.csv`. */
export function reportObjectName(spec: MonthlyReportSpec, packageName: string, yyyymm: string) {
  return `stats/${spec.report}/${spec.report}_${packageName}_${yyyymm}_${spec.dimension}.csv`;
}

export function monthlyReportStream(
  spec: MonthlyReportSpec,
  config: PlayConfig,
): StreamDefinition<PlaySession, WindowState, Row> {
  const columns: ColumnKinds = { date: kinds.day, package_name: kinds.text, ...spec.columns };
  const required = ['date', 'package_name', ...(spec.extraKey ?? [])];
  return {
    name: spec.name,
    table: spec.table,
    key: ['package_name', ...(spec.extraKey ?? []), 'date'],
    cursor: 'date',
    columns: { ...columnTypes(columns), source_file: 'String' },
    partitionBy: 'toYYYYMM(date)',
    initialState: {},
    nextState: nextWindowState,
    async *read({ session, state, log }): AsyncGenerator<Batch<Row>> {
      const months = runMonths(config, state);
      log.info(`${spec.name}: months ${months.map((m) => m.yyyymm).join(', ')}`, {
        event: 'window',
        since: months[0]?.days.since,
        until: months.at(-1)?.days.until,
      });
      for (const month of months) {
        const name = reportObjectName(spec, session.packageName, month.yyyymm);
        const [object] = (await session.client.listObjects(session.bucket, name)).filter(
          (o) => o.name === name,
        );
        let rows: Row[] = [];
        if (!object) {
          log.info(`${name} does not exist (yet): an empty month`, { event: 'no_file' });
        } else {
          const bytes = await session.client.download(session.bucket, object);
          const parsed = parseReport(decodeReport(bytes, name), name, columns, required);
          if (parsed.unknownHeaders.length > 0) {
            log.warn(
              `${name}: new columns kept in other_columns: ${parsed.unknownHeaders.join(', ')}`,
            );
          }
          for (const row of parsed.rows) {
            if (row.package_name !== session.packageName) {
              throw new ReportFormatError(
                `${name}: a row of package ${JSON.stringify(row.package_name)} in the file of ${session.packageName}`,
              );
            }
          }
          rows = parsed.rows
            .filter((row) => {
              const date = row.date as string;
              return date >= month.days.since && date < month.days.until;
            })
            .map((row) => ({ ...row, source_file: name }));
        }
        // One batch per month, carrying the month's days: the cursor moves once they are written.
        yield chunkBatch(rows, month.days, true);
      }
    },
  };
}
