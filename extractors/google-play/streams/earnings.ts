/**
 * Earnings (`earnings/earnings_<YYYYMM>_<account>[-n].zip`, each a UTF-8 CSV of the developer
 * account's transactions: charges, Google fees, taxes, refunds). Only service accounts granted
 * "View financial data" may read them: a 403/404 means "not granted", logged once and the stream
 * skipped (state untouched), not an error. A package's rows are the lines whose `Product id` is
 * the package; each row is keyed by its file and line, as transactions have no id of their own
 * (a charge and its fee share the order number).
 */
import { chunkBatch, nextWindowState, type WindowState } from '../../ad-platforms/window.js';
import type { Batch, StreamDefinition } from '../../core/source.js';
import { PlayApiError, type StoredObject } from '../client.js';
import type { PlayConfig } from '../config.js';
import {
  type ColumnKinds,
  columnTypes,
  decodeReport,
  kinds,
  parseReport,
  unzipCsvs,
} from '../reports.js';
import type { PlaySession } from '../session.js';
import { runMonths } from './months.js';

type Row = Record<string, unknown>;

/** The earnings report's headers (snake_case), typed. */
const EARNINGS_COLUMNS: ColumnKinds = {
  description: kinds.text,
  transaction_date: kinds.day,
  transaction_time: kinds.text,
  tax_type: kinds.text,
  transaction_type: kinds.text,
  refund_type: kinds.text,
  product_title: kinds.text,
  product_id: kinds.text,
  product_type: kinds.text,
  sku_id: kinds.text,
  hardware: kinds.text,
  buyer_country: kinds.text,
  buyer_state: kinds.text,
  buyer_postal_code: kinds.text,
  buyer_currency: kinds.text,
  amount_buyer_currency: kinds.money,
  currency_conversion_rate: kinds.ratio,
  merchant_currency: kinds.text,
  amount_merchant_currency: kinds.money,
  base_plan_id: kinds.text,
  offer_id: kinds.text,
  group_id: kinds.text,
  first_usd_1m_eligible: kinds.text,
  promotion_id: kinds.text,
  coupon_value: kinds.optionalMoney,
  discount_rate: kinds.ratio,
  featured_products_id: kinds.text,
  price_experiment_id: kinds.text,
};

const REQUIRED = [
  'description',
  'transaction_date',
  'transaction_type',
  'product_id',
  'merchant_currency',
  'amount_merchant_currency',
];

/** 403 (not granted) and 404 (no such prefix for this account) on the earnings files. */
const notGranted = (error: unknown) =>
  error instanceof PlayApiError && (error.status === 403 || error.status === 404);

export function earningsStream(
  config: PlayConfig,
): StreamDefinition<PlaySession, WindowState, Row> {
  return {
    name: 'earnings',
    table: 'raw.google_play_earnings',
    key: ['package_name', 'report_month', 'source_file', 'line'],
    cursor: 'report_month',
    columns: {
      package_name: 'String',
      report_month: 'Date',
      source_file: 'String',
      line: 'UInt32',
      ...columnTypes(EARNINGS_COLUMNS),
    },
    partitionBy: 'toYYYYMM(report_month)',
    initialState: {},
    nextState: nextWindowState,
    async *read({ session, state, log }): AsyncGenerator<Batch<Row>> {
      for (const month of runMonths(config, state)) {
        const prefix = `earnings/earnings_${month.yyyymm}_`;
        let objects: StoredObject[];
        try {
          objects = (await session.client.listObjects(session.bucket, prefix)).filter((o) =>
            o.name.toLowerCase().endsWith('.zip'),
          );
        } catch (error) {
          if (!notGranted(error)) throw error;
          log.warn(
            `earnings not granted to this service account (${(error as PlayApiError).message}); skipped`,
            { event: 'earnings_not_granted' },
          );
          return;
        }
        const rows: Row[] = [];
        for (const object of objects.sort((a, b) => a.name.localeCompare(b.name))) {
          let bytes: Buffer;
          try {
            bytes = await session.client.download(session.bucket, object);
          } catch (error) {
            if (!notGranted(error)) throw error;
            log.warn(`earnings file ${object.name} not granted; skipped`, {
              event: 'earnings_not_granted',
            });
            return;
          }
          for (const [entry, csv] of unzipCsvs(bytes, object.name)) {
            const file = `${object.name}/${entry}`;
            const parsed = parseReport(decodeReport(csv, file), file, EARNINGS_COLUMNS, REQUIRED);
            parsed.rows.forEach((row, i) => {
              if (row.product_id !== session.packageName) return;
              rows.push({
                package_name: session.packageName,
                report_month: month.days.since,
                source_file: file,
                // Data lines are numbered from 1, after the header.
                line: i + 1,
                ...row,
              });
            });
          }
        }
        if (objects.length === 0) log.info(`no earnings file for ${month.yyyymm} (yet)`);
        yield chunkBatch(rows, month.days, true);
      }
    },
  };
}
