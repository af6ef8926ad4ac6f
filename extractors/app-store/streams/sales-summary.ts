/**
 * Sales and Trends: the SALES / SUMMARY / DAILY report of each `vendor:` account, one gzip TSV
 * per day (GET /v1/salesReports). Every column of Apple's header is kept: the known ones typed
 * exactly (units Int64, developer proceeds and customer price Decimal, dates Date), any column
 * Apple adds later in `other_columns`. Note that Apple's "Developer Proceeds" is per unit.
 */
import type { WindowState } from '../../ad-platforms/window.js';
import { INSERT_BATCH_ROWS, nextWindowState } from '../../ad-platforms/window.js';
import type { StreamDefinition } from '../../core/source.js';
import type { AppStoreConfig } from '../config.js';
import type { AppStoreSession } from '../session.js';
import { requireColumns, type TsvRecord, tsvBatches } from '../tsv.js';
import { reportDays } from './report-days.js';
import { appleDate, decimal, int64 } from './values.js';

type Row = Record<string, unknown>;

/** Apple's header names of the report's text columns, and ours. */
const TEXT_COLUMNS = {
  Provider: 'provider',
  'Provider Country': 'provider_country',
  SKU: 'sku',
  Developer: 'developer',
  Title: 'title',
  Version: 'version',
  'Product Type Identifier': 'product_type_identifier',
  'Customer Currency': 'customer_currency',
  'Country Code': 'country_code',
  'Currency of Proceeds': 'currency_of_proceeds',
  'Apple Identifier': 'apple_identifier',
  'Promo Code': 'promo_code',
  'Parent Identifier': 'parent_identifier',
  Subscription: 'subscription',
  Period: 'period',
  Category: 'category',
  CMB: 'cmb',
  Device: 'device',
  'Supported Platforms': 'supported_platforms',
  'Proceeds Reason': 'proceeds_reason',
  'Preserved Pricing': 'preserved_pricing',
  Client: 'client',
  'Order Type': 'order_type',
} as const;

const TYPED = ['Units', 'Developer Proceeds', 'Customer Price', 'Begin Date', 'End Date'];
const REQUIRED = [
  'Units',
  'Developer Proceeds',
  'Begin Date',
  'Apple Identifier',
  'Product Type Identifier',
  'Country Code',
  'Currency of Proceeds',
];

const salesColumns = {
  vendor_number: 'String',
  report_date: 'Date32',
  /** Every value of the row but Units, in header order: the row's identity within the day. */
  row_key: 'String',
  ...Object.fromEntries(Object.values(TEXT_COLUMNS).map((column) => [column, 'String'])),
  units: 'Int64',
  developer_proceeds: 'Decimal(38, 6)',
  customer_price: 'Nullable(Decimal(38, 6))',
  begin_date: 'Date32',
  end_date: 'Date32',
  other_columns: 'Map(String, String)',
};

function salesRow(vendor: string, day: string, record: TsvRecord, where: string): Row {
  const row: Row = { vendor_number: vendor, report_date: day };
  for (const [header, column] of Object.entries(TEXT_COLUMNS)) row[column] = record[header] ?? '';
  row.units = int64(record.Units ?? '', `${where} Units`);
  row.developer_proceeds = decimal(
    record['Developer Proceeds'] ?? '',
    `${where} Developer Proceeds`,
  );
  const price = (record['Customer Price'] ?? '').trim();
  row.customer_price = price === '' ? null : decimal(price, `${where} Customer Price`);
  row.begin_date = appleDate(record['Begin Date'] ?? '', `${where} Begin Date`);
  const end = record['End Date'] ?? '';
  row.end_date = end.trim() === '' ? row.begin_date : appleDate(end, `${where} End Date`);
  const known = new Set<string>([...Object.keys(TEXT_COLUMNS), ...TYPED]);
  row.other_columns = Object.fromEntries(Object.entries(record).filter(([k]) => !known.has(k)));
  row.row_key = JSON.stringify(
    Object.entries(record)
      .filter(([k]) => k !== 'Units')
      .map(([, v]) => v),
  );
  return row;
}

export function salesSummaryStream(
  config: AppStoreConfig,
): StreamDefinition<AppStoreSession, WindowState, Row> {
  return {
    name: 'sales_summary',
    table: 'raw.app_store_sales_summary',
    key: ['vendor_number', 'report_date', 'row_key'],
    cursor: 'report_date',
    columns: salesColumns,
    partitionBy: 'toYYYYMM(report_date)',
    initialState: {},
    nextState: nextWindowState,
    read({ session, state, log }) {
      // An `app:` account has no sales report: this stream has nothing to do for it.
      if (session.kind !== 'vendor') return (async function* () {})();
      return reportDays<Row>({
        stream: 'sales_summary',
        window: config.window,
        state,
        delayDays: config.reportDelayDays,
        log,
        async readDay(day) {
          const where = `sales report vendor ${session.id} ${day}`;
          const gzip = await session.client.salesReport(where, {
            'filter[frequency]': 'DAILY',
            'filter[reportDate]': day,
            'filter[reportSubType]': 'SUMMARY',
            'filter[reportType]': 'SALES',
            'filter[vendorNumber]': session.id,
            'filter[version]': config.salesReportVersion,
          });
          if (!gzip) return undefined;
          return (async function* () {
            let line = 1;
            for await (const records of tsvBatches(gzip, INSERT_BATCH_ROWS, where)) {
              if (line === 1 && records[0]) requireColumns(records[0], REQUIRED, where);
              yield records.map((record) => {
                line += 1;
                return salesRow(session.id, day, record, `${where} line ${line}`);
              });
            }
          })();
        },
      });
    },
  };
}
