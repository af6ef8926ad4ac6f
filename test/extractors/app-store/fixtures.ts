/**
 * The App Store test data: an API key pair made for the run (the fake holds the public half),
 * Sales and Trends rows of two vendors and Analytics Reports segments of two apps, plus the rows
 * each should become in ClickHouse — computed from the same data, never written by hand twice.
 */
import { generateKeyPairSync } from 'node:crypto';
import { addDays } from '../../../extractors/core/dates.js';
import type { FakeApp, FakeAppStoreOptions, TsvRow } from '../../fakes/app-store.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const PRIVATE_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const PUBLIC_KEY = keys.publicKey;
export const ISSUER_ID = '69a6de7e-1f2b-47e3-e053-5b8c7c11a4d1';
export const KEY_ID = '2X9R4HXF34';
/** One line of the key's base64 body: no fragment of the key may be printed. */
export const KEY_FRAGMENT = PRIVATE_KEY.split('\n')[2] ?? '';

export const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05'];
const us = (day: string) => `${day.slice(5, 7)}/${day.slice(8, 10)}/${day.slice(0, 4)}`;

/** One vendor's summary rows of a day: downloads, an update, in-app purchases and a refund. */
function salesRows(vendor: number, day: string, d: number): TsvRow[] {
  const app =
    vendor === 1
      ? { sku: 'FITPRO', id: '1111111111', title: 'Fit "Pro" Tracker' }
      : { sku: 'ZEN2', id: '3333333333', title: 'Zen, Sleep & Focus' };
  const base = {
    Provider: 'APPLE',
    'Provider Country': 'US',
    Developer: 'Example Apps Ltd',
    'Begin Date': us(day),
    'End Date': us(day),
    'Promo Code': '',
    Subscription: '',
    Period: '',
    Category: 'Health & Fitness',
    CMB: '',
    'Supported Platforms': 'iOS',
    'Proceeds Reason': '',
    'Preserved Pricing': '',
    Client: '',
    'Order Type': '',
  };
  const row = (r: Record<string, string>): TsvRow => ({ ...base, ...r });
  return [
    row({
      SKU: app.sku,
      Title: app.title,
      Version: '3.2.1',
      'Product Type Identifier': '1',
      Units: String(40 + d * 3 + vendor),
      'Developer Proceeds': '0',
      'Customer Currency': 'USD',
      'Country Code': 'US',
      'Currency of Proceeds': 'USD',
      'Apple Identifier': app.id,
      'Customer Price': '0',
      'Parent Identifier': '',
      Device: 'iPhone',
    }),
    row({
      SKU: app.sku,
      Title: app.title,
      Version: '3.2.1',
      'Product Type Identifier': '1F',
      Units: String(7 + d),
      'Developer Proceeds': '0',
      'Customer Currency': 'EUR',
      'Country Code': 'DE',
      'Currency of Proceeds': 'EUR',
      'Apple Identifier': app.id,
      'Customer Price': '0',
      'Parent Identifier': '',
      Device: 'iPad',
    }),
    row({
      SKU: app.sku,
      Title: app.title,
      Version: '3.2.1',
      'Product Type Identifier': '3',
      Units: String(5 + d),
      'Developer Proceeds': '0',
      'Customer Currency': 'USD',
      'Country Code': 'US',
      'Currency of Proceeds': 'USD',
      'Apple Identifier': app.id,
      'Customer Price': '0',
      'Parent Identifier': '',
      Device: 'iPhone',
    }),
    row({
      SKU: app.sku,
      Title: app.title,
      Version: '3.2.1',
      'Product Type Identifier': '7',
      Units: String(100 + d),
      'Developer Proceeds': '0',
      'Customer Currency': 'USD',
      'Country Code': 'US',
      'Currency of Proceeds': 'USD',
      'Apple Identifier': app.id,
      'Customer Price': '0',
      'Parent Identifier': '',
      Device: 'iPhone',
    }),
    row({
      SKU: `${app.sku}.PREMIUM`,
      Title: 'Premium (1 year)',
      Version: '',
      'Product Type Identifier': 'IA1',
      Units: String(2 + (d % 2)),
      'Developer Proceeds': '27.993',
      'Customer Currency': 'USD',
      'Country Code': 'US',
      'Currency of Proceeds': 'USD',
      'Apple Identifier': `${app.id}01`,
      'Customer Price': '39.99',
      'Parent Identifier': app.sku,
      Device: 'iPhone',
    }),
    row({
      SKU: `${app.sku}.PREMIUM`,
      Title: 'Premium (1 year)',
      Version: '',
      'Product Type Identifier': 'IA1',
      Units: '1',
      'Developer Proceeds': '33.61',
      'Customer Currency': 'EUR',
      'Country Code': 'DE',
      'Currency of Proceeds': 'EUR',
      'Apple Identifier': `${app.id}01`,
      'Customer Price': '49.99',
      'Parent Identifier': app.sku,
      Device: 'iPad',
    }),
    row({
      SKU: `${app.sku}.PREMIUM`,
      Title: 'Premium (1 year)',
      Version: '',
      'Product Type Identifier': 'IA1',
      Units: '-1',
      'Developer Proceeds': '27.993',
      'Customer Currency': 'USD',
      'Country Code': 'US',
      'Currency of Proceeds': 'USD',
      'Apple Identifier': `${app.id}01`,
      'Customer Price': '-39.99',
      'Parent Identifier': app.sku,
      Device: 'iPhone',
      'Proceeds Reason': 'Refund',
    }),
  ];
}

export const VENDORS = ['85000001', '85000002'];

export function salesData(days: readonly string[] = DAYS): FakeAppStoreOptions['sales'] {
  return Object.fromEntries(
    VENDORS.map((vendor, v) => [
      vendor,
      Object.fromEntries(days.map((day, d) => [day, salesRows(v + 1, day, d)])),
    ]),
  );
}

export const DOWNLOADS = 'App Downloads Standard';
export const ENGAGEMENT = 'App Store Discovery and Engagement Standard';

function downloadSegments(app: string, day: string, d: number): TsvRow[][] {
  const row = (type: string, territory: string, counts: number): TsvRow => ({
    Date: day,
    'App Name': 'Fit Pro',
    'App Apple Identifier': app,
    'Download Type': type,
    'App Version': '3.2.1',
    Device: 'iPhone',
    'Platform Version': 'iOS 17.4',
    'Source Type': 'App Store search',
    'Source Info': '',
    Campaign: '',
    'Page Type': 'Product page',
    'Page Title': 'Default',
    'Pre-Order': '',
    Territory: territory,
    Counts: String(counts),
  });
  // Two segment files, as Apple splits large instances.
  return [
    [row('First-time download', 'US', 41 + d), row('Redownload', 'US', 6 + d)],
    [row('First-time download', 'DE', 8 + d), row('Auto-update', 'US', 90 + d)],
  ];
}

function engagementSegments(app: string, day: string, d: number): TsvRow[][] {
  const row = (event: string, territory: string, counts: number, unique: number): TsvRow => ({
    Date: day,
    'App Name': 'Fit Pro',
    'App Apple Identifier': app,
    Event: event,
    'Page Type': 'Product page',
    'Source Type': 'App Store search',
    'Engagement Type': '',
    Device: 'iPhone',
    'Platform Version': 'iOS 17.4',
    Territory: territory,
    Counts: String(counts),
    'Unique Counts': String(unique),
  });
  return [
    [
      row('Impression', 'US', 1200 + d, 900 + d),
      row('Page view', 'US', 300 + d, 250 + d),
      row('Tap', 'DE', 40 + d, 33),
    ],
  ];
}

export function apps(days: readonly string[] = DAYS): FakeApp[] {
  return ['1111111111', '2222222222'].map((id, a) => ({
    id,
    hasRequest: a === 0,
    reports: [
      { name: DOWNLOADS, category: 'COMMERCE' },
      { name: ENGAGEMENT, category: 'APP_STORE_ENGAGEMENT' },
      { name: 'App Sessions Standard', category: 'APP_USAGE' },
    ],
    instances: {
      [DOWNLOADS]: Object.fromEntries(
        days.map((day, d) => [day, downloadSegments(id, day, d + a * 10)]),
      ),
      [ENGAGEMENT]: Object.fromEntries(
        days.map((day, d) => [day, engagementSegments(id, day, d + a * 10)]),
      ),
    },
  }));
}

/** `0.700` → `0.7`, `-39.99` → `-39.99`: how ClickHouse prints a Decimal. */
export const decimalText = (value: string) =>
  value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;

/** What raw.app_store_sales_summary should hold for [since, until), as LOADED_SALES_SQL reads it. */
export function expectedSales(since: string, until: string, vendors = VENDORS) {
  const data = salesData();
  const out: Record<string, string>[] = [];
  for (const vendor of vendors) {
    for (const [day, rows] of Object.entries(data[vendor] ?? {})) {
      if (day < since || day >= until) continue;
      for (const r of rows) {
        out.push({
          vendor_number: vendor,
          report_date: day,
          title: r.Title ?? '',
          product_type_identifier: r['Product Type Identifier'] ?? '',
          country_code: r['Country Code'] ?? '',
          apple_identifier: r['Apple Identifier'] ?? '',
          parent_identifier: r['Parent Identifier'] ?? '',
          units: r.Units ?? '',
          developer_proceeds: decimalText(r['Developer Proceeds'] ?? ''),
          customer_price: decimalText(r['Customer Price'] ?? ''),
          currency_of_proceeds: r['Currency of Proceeds'] ?? '',
          begin_date: day,
          proceeds_reason: r['Proceeds Reason'] ?? '',
        });
      }
    }
  }
  return out.sort((a, b) =>
    JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))),
  );
}

export const LOADED_SALES_SQL = `
  SELECT vendor_number, toString(report_date) AS report_date, title, product_type_identifier,
         country_code, apple_identifier, parent_identifier, toString(units) AS units,
         toString(developer_proceeds) AS developer_proceeds, toString(customer_price) AS customer_price,
         currency_of_proceeds, toString(begin_date) AS begin_date, proceeds_reason
  FROM raw.app_store_sales_summary FINAL`;

/** Sorted the way `expectedSales` sorts. */
export const sortRows = (rows: Record<string, unknown>[]) =>
  rows.sort((a, b) =>
    JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))),
  );

export function expectedAnalytics(since: string, until: string, appIds = ['1111111111']) {
  const out: Record<string, string>[] = [];
  for (const app of apps()) {
    if (!appIds.includes(app.id)) continue;
    for (const [report, byDay] of Object.entries(app.instances)) {
      for (const [day, segments] of Object.entries(byDay)) {
        if (day < since || day >= until) continue;
        for (const record of segments.flat()) {
          const measures = ['Counts', 'Unique Counts']
            .filter((m) => m in record)
            .map((m) => `${m}=${record[m]}`);
          const dims = Object.entries(record)
            .filter(
              ([k]) =>
                !['Date', 'App Name', 'App Apple Identifier', 'Counts', 'Unique Counts'].includes(
                  k,
                ),
            )
            .sort(([a], [b]) => (a < b ? -1 : 1));
          out.push({
            app_id: app.id,
            report_name: report,
            processing_date: day,
            date: record.Date ?? '',
            dimension_values: JSON.stringify(Object.fromEntries(dims)),
            measures: measures.join(','),
          });
        }
      }
    }
  }
  return out.sort((a, b) =>
    JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))),
  );
}

export const LOADED_ANALYTICS_SQL = `
  SELECT app_id, report_name, toString(processing_date) AS processing_date, toString(date) AS date,
         dimension_values,
         arrayStringConcat(arrayMap((k, v) -> concat(k, '=', toString(v)), mapKeys(measures), mapValues(measures)), ',') AS measures
  FROM raw.app_store_analytics_report FINAL`;

export { addDays };
