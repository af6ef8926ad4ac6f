/**
 * Analytics Reports of each `app:` account: the app's ONGOING report request → its reports by
 * name (`--reports`) → each report's DAILY instance of a processing day → the instance's
 * segments (pre-signed gzip TSV files, with checksums) → rows. Report files differ in columns, so
 * a row keeps its measures (Counts, Unique Counts…) as exact integers by name and its other
 * columns as the dimensions of its key.
 */
import type { WindowState } from '../../ad-platforms/window.js';
import { INSERT_BATCH_ROWS, nextWindowState } from '../../ad-platforms/window.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { StreamDefinition } from '../../core/source.js';
import type { Resource } from '../client.js';
import type { AppStoreConfig } from '../config.js';
import type { AppStoreSession } from '../session.js';
import { type TsvRecord, tsvBatches } from '../tsv.js';
import { reportDays } from './report-days.js';
import { appleDate, int64 } from './values.js';

type Row = Record<string, unknown>;

/** Columns of Apple's analytics reports that are counts; every other column is a dimension. */
const MEASURES = new Set([
  'Counts',
  'Unique Counts',
  'Unique Devices',
  'Sessions',
  'Total Session Duration',
  'Crashes',
  'Installations',
  'Deletions',
]);
/** Kept in their own columns, out of the dimensions (an app renamed stays the same rows). */
const OWN_COLUMNS = new Set(['Date', 'App Name', 'App Apple Identifier']);

const analyticsColumns = {
  app_id: 'String',
  report_name: 'LowCardinality(String)',
  report_category: 'LowCardinality(String)',
  processing_date: 'Date32',
  date: 'Date32',
  app_name: 'String',
  /** The row's other columns as a JSON object with sorted keys: its identity within the day. */
  dimension_values: 'String',
  measures: 'Map(String, Int64)',
} as const;

interface ReportRef {
  readonly id: string;
  readonly name: string;
  readonly category: string;
}

const query = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;

async function all(pages: AsyncIterable<Resource[]>): Promise<Resource[]> {
  const out: Resource[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** The app's active ONGOING report request; created when none exists and the flag allows it. */
async function ongoingRequest(
  session: AppStoreSession,
  create: boolean,
  log: Logger,
): Promise<string> {
  const operation = `analyticsReportRequests app ${session.id}`;
  const requests = await all(
    session.client.pages(
      operation,
      `/v1/apps/${session.id}/analyticsReportRequests${query({ 'filter[accessType]': 'ONGOING' })}`,
    ),
  );
  const active = requests.find(
    (r) => r.attributes?.accessType === 'ONGOING' && r.attributes?.stoppedDueToInactivity !== true,
  );
  if (active) return active.id;
  if (!create) {
    throw new ConfigError(
      `${operation}: app ${session.id} has no active ONGOING analytics report request; run once with --create-report-requests (Admin key) and wait a day or two for Apple's first reports`,
    );
  }
  const created = await session.client.create(
    `create ${operation}`,
    '/v1/analyticsReportRequests',
    {
      data: {
        type: 'analyticsReportRequests',
        attributes: { accessType: 'ONGOING' },
        relationships: { app: { data: { type: 'apps', id: session.id } } },
      },
    },
  );
  log.info(`app ${session.id}: created ONGOING analytics report request ${created.id}`, {
    event: 'report_request_created',
  });
  return created.id;
}

async function reportsByName(
  session: AppStoreSession,
  requestId: string,
  names: readonly string[],
): Promise<ReportRef[]> {
  const refs: ReportRef[] = [];
  for (const name of names) {
    const operation = `analyticsReports "${name}" app ${session.id}`;
    const found = await all(
      session.client.pages(
        operation,
        `/v1/analyticsReportRequests/${requestId}/reports${query({ 'filter[name]': name })}`,
      ),
    );
    const report = found.find((r) => r.attributes?.name === name);
    if (!report) throw new ConfigError(`${operation}: Apple has no report of that name`);
    refs.push({ id: report.id, name, category: String(report.attributes?.category ?? '') });
  }
  return refs;
}

function analyticsRow(
  session: AppStoreSession,
  report: ReportRef,
  day: string,
  record: TsvRecord,
  where: string,
): Row {
  const measures: Record<string, string> = {};
  const dimensions: Record<string, string> = {};
  for (const [column, value] of Object.entries(record)) {
    if (MEASURES.has(column)) measures[column] = int64(value, `${where} ${column}`);
    else if (!OWN_COLUMNS.has(column)) dimensions[column] = value;
  }
  const sorted = Object.fromEntries(
    Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return {
    app_id: session.id,
    report_name: report.name,
    report_category: report.category,
    processing_date: day,
    date: appleDate(record.Date ?? '', `${where} Date`),
    app_name: record['App Name'] ?? '',
    dimension_values: JSON.stringify(sorted),
    measures,
  };
}

export function analyticsReportStream(
  config: AppStoreConfig,
): StreamDefinition<AppStoreSession, WindowState, Row> {
  return {
    name: 'analytics_report',
    table: 'raw.app_store_analytics_report',
    key: ['app_id', 'report_name', 'date', 'dimension_values'],
    cursor: 'processing_date',
    columns: analyticsColumns,
    partitionBy: 'toYYYYMM(date)',
    initialState: {},
    nextState: nextWindowState,
    read({ session, state, log }) {
      // A `vendor:` account has no analytics reports: this stream has nothing to do for it.
      if (session.kind !== 'app') return (async function* () {})();
      let reports: ReportRef[] | undefined;
      return reportDays<Row>({
        stream: 'analytics_report',
        window: config.window,
        state,
        delayDays: config.reportDelayDays,
        log,
        async readDay(day, recent) {
          reports ??= await reportsByName(
            session,
            await ongoingRequest(session, config.createReportRequests, log),
            config.reports,
          );
          // Every report's instance of the day first: a recent day is read only when all are
          // there (Apple publishes them at different times); an older day with some missing
          // reports loads the ones it has.
          const instances: { report: ReportRef; instance: Resource }[] = [];
          for (const report of reports) {
            const found = await all(
              session.client.pages(
                `instances "${report.name}" app ${session.id} ${day}`,
                `/v1/analyticsReports/${report.id}/instances${query({
                  'filter[granularity]': 'DAILY',
                  'filter[processingDate]': day,
                })}`,
              ),
            );
            const instance = found.find((i) => i.attributes?.processingDate === day);
            if (instance) instances.push({ report, instance });
            else if (recent) return undefined;
          }
          return (async function* () {
            for (const { report, instance } of instances) {
              const where = `"${report.name}" app ${session.id} ${day}`;
              const segments = session.client.pages(
                `segments ${where}`,
                `/v1/analyticsReportInstances/${instance.id}/segments`,
              );
              for await (const page of segments) {
                for (const segment of page) {
                  const url = String(segment.attributes?.url ?? '');
                  const checksum = segment.attributes?.checksum;
                  const gzip = await session.client.segment(
                    `segment ${segment.id} of ${where}`,
                    url,
                    typeof checksum === 'string' ? checksum : undefined,
                  );
                  let line = 1;
                  for await (const records of tsvBatches(gzip, INSERT_BATCH_ROWS, where)) {
                    yield records.map((record) => {
                      line += 1;
                      return analyticsRow(
                        session,
                        report,
                        day,
                        record,
                        `${where} segment ${segment.id} line ${line}`,
                      );
                    });
                  }
                }
              }
            }
          })();
        },
      });
    },
  };
}
