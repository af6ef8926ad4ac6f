/**
 * Raw rows of the two app stores as their extractors write them (column names and value
 * spellings of the Google Play and App Store streams), for the dbt tests of the store models and
 * the cross-store mart.
 */
export const googlePlayInstallRow = (
  pkg: string,
  date: string,
  country: string,
  userInstalls: string | null,
) => ({
  package_name: pkg,
  country,
  date,
  daily_device_installs: '999',
  daily_user_installs: userInstalls,
  other_columns: {},
  source_file: `stats/installs/installs_${pkg}_${date.slice(0, 7).replace('-', '')}_country.csv`,
});

let line = 0;
export const googlePlayEarningsRow = (
  pkg: string,
  date: string,
  country: string,
  type: string,
  amount: string,
  currency = 'EUR',
) => ({
  package_name: pkg,
  report_month: `${date.slice(0, 7)}-01`,
  source_file: 'earnings/earnings_202402_0123.zip/PlayApps_202402.csv',
  line: ++line,
  description: `GPA.${line}`,
  transaction_date: date,
  transaction_type: type,
  product_id: pkg,
  buyer_country: country,
  buyer_currency: 'USD',
  amount_buyer_currency: amount,
  merchant_currency: currency,
  amount_merchant_currency: amount,
  other_columns: {},
});

/** A raw sales row as the extractor writes it; `row_key` from the values that identify it. */
export function appStoreSale(r: {
  vendor?: string;
  day: string;
  sku: string;
  type: string;
  units: string;
  proceeds: string;
  country: string;
  currency: string;
  id: string;
  parent?: string;
  reason?: string;
}) {
  const vendor = r.vendor ?? '85000001';
  return {
    vendor_number: vendor,
    report_date: r.day,
    row_key: JSON.stringify([
      r.sku,
      r.type,
      r.proceeds,
      r.country,
      r.currency,
      r.id,
      r.parent ?? '',
      r.reason ?? '',
    ]),
    provider: 'APPLE',
    provider_country: 'US',
    sku: r.sku,
    developer: 'Example Apps Ltd',
    title: r.sku,
    version: '1.0',
    product_type_identifier: r.type,
    customer_currency: r.currency,
    country_code: r.country,
    currency_of_proceeds: r.currency,
    apple_identifier: r.id,
    promo_code: '',
    parent_identifier: r.parent ?? '',
    subscription: '',
    period: '',
    category: 'Health & Fitness',
    cmb: '',
    device: 'iPhone',
    supported_platforms: 'iOS',
    proceeds_reason: r.reason ?? '',
    preserved_pricing: '',
    client: '',
    order_type: '',
    units: r.units,
    developer_proceeds: r.proceeds,
    customer_price: null,
    begin_date: r.day,
    end_date: r.day,
    other_columns: {},
  };
}
