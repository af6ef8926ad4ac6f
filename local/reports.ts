/**
 * The two campaign reports as the demo shows them: read from ClickHouse `analytics` and printed
 * as text tables. The HTML page is drawn from the same rows and the same summary in
 * reports-html.ts.
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** A totals report row; numbers that may exceed 2^53 or are decimals stay strings. */
export interface TotalsRow {
  advertiser_id: string;
  advertiser_name: string;
  campaign_id: string;
  campaign_name: string;
  start_date: string;
  end_date: string;
  budget: string;
  impressions: string;
  clicks: string;
  ctr: number | null;
  /** 'cpm' or 'cpc': how spend was priced. */
  pricing_model: string;
  spend: string;
  budget_utilisation: number | null;
  /** scheduled, active, ended or budget_exhausted, judged on `status_as_of`. */
  status: string;
  status_as_of: string;
  /** ok, activity_before_start, activity_after_end or activity_before_start_and_after_end. */
  flight_check: string;
  out_of_flight_impressions: string;
  out_of_flight_clicks: string;
}

export interface DailyRow {
  activity_date: string;
  campaign_id: string;
  campaign_name: string;
  impressions: string;
  clicks: string;
  ctr: number | null;
  spend: string;
  spend_to_date: string;
  budget: string;
  start_date: string;
  end_date: string;
  status: string;
  /** in_flight, before_start or after_end. */
  flight: string;
  /** 0 for the as-of day (today, UTC) and later: its counts are still growing. */
  is_complete_day: number;
}

export interface Reports {
  totals: TotalsRow[];
  daily: DailyRow[];
}

export const TOTALS_TABLE = 'analytics.advertiser_campaigns_totals_report';
export const DAILY_TABLE = 'analytics.advertiser_campaigns_daily_ctr_report';

/** Ids and counts come back as strings (exact beyond 2^53), so ordering converts them back. */
export async function readReports(client: ClickHouseClient): Promise<Reports> {
  const query = async <T>(sql: string) =>
    (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>();
  const totals = await query<TotalsRow>(`
    SELECT toString(advertiser_id) AS advertiser_id, advertiser_name,
           toString(campaign_id) AS campaign_id, campaign_name,
           toString(start_date) AS start_date, toString(end_date) AS end_date,
           toString(budget) AS budget, toString(impressions) AS impressions,
           toString(clicks) AS clicks, ctr, pricing_model, toString(spend) AS spend,
           budget_utilisation, status, toString(status_as_of) AS status_as_of, flight_check,
           toString(out_of_flight_impressions) AS out_of_flight_impressions,
           toString(out_of_flight_clicks) AS out_of_flight_clicks
    FROM ${TOTALS_TABLE}
    ORDER BY toInt64(advertiser_id), toInt64(campaign_id)`);
  const daily = await query<DailyRow>(`
    SELECT toString(activity_date) AS activity_date, toString(campaign_id) AS campaign_id,
           campaign_name, toString(impressions) AS impressions, toString(clicks) AS clicks, ctr,
           toString(spend) AS spend, toString(spend_to_date) AS spend_to_date,
           toString(budget) AS budget, toString(start_date) AS start_date,
           toString(end_date) AS end_date, status, flight, toUInt8(is_complete_day) AS is_complete_day
    FROM ${DAILY_TABLE}
    ORDER BY activity_date, toInt64(campaign_id)`);
  return { totals, daily };
}

// ---------------------------------------------------------------------------------------------
// Exact sums and formatting. Counts are summed as BigInt and money as scaled BigInt, so a totals
// row never drifts from its rows by a float rounding.

const MONEY_SCALE = 6;

/** A decimal string as an integer number of 10^-scale units; extra digits rounded half up. */
function scaled(value: string, scale = MONEY_SCALE): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === ''))
    throw new Error(`not a decimal number: '${value}'`);
  const [, sign, whole = '', fraction = ''] = match;
  const units =
    BigInt(`${whole || '0'}${fraction.padEnd(scale, '0').slice(0, scale)}`) +
    ((fraction[scale] ?? '0') >= '5' ? 1n : 0n);
  return sign === '-' ? -units : units;
}

/** 10^-scale units as a decimal string, rounded half away from zero to `digits` places. */
function unscaled(units: bigint, digits: number, grouped: boolean, scale = MONEY_SCALE): string {
  const negative = units < 0n;
  const drop = 10n ** BigInt(scale - digits);
  const rounded = ((negative ? -units : units) + drop / 2n) / drop;
  const text = rounded.toString().padStart(digits + 1, '0');
  const whole = BigInt(text.slice(0, text.length - digits));
  const wholeText = grouped ? whole.toLocaleString('en-US') : whole.toString();
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative && rounded > 0n ? '-' : ''}${wholeText}${fraction}`;
}

export const sumCounts = (values: string[]) => values.reduce((sum, v) => sum + BigInt(v), 0n);
export const sumMoney = (values: string[]) =>
  unscaled(
    values.reduce((sum, v) => sum + scaled(v), 0n),
    MONEY_SCALE,
    false,
  );

/** Money with two decimals and thousands separators, rounded exactly from the decimal string. */
export const money = (value: string) => unscaled(scaled(value), 2, true);
export const count = (value: string | bigint) => BigInt(value).toLocaleString('en-US');
/** A ratio as a percentage; a small non-zero share never shows as a bare 0. */
export function percent(value: number | null, digits = 2): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const floor = 10 ** -digits;
  if (value > 0 && value * 100 < floor) return `<${floor.toFixed(digits)}%`;
  return `${(value * 100).toFixed(digits)}%`;
}
export const ratio = (numerator: bigint, denominator: bigint) =>
  denominator === 0n ? null : Number(numerator) / Number(denominator);

const plural = (n: bigint, word: string) => `${count(n)} ${word}${n === 1n ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// What both outputs say about the reports as a whole.

export interface ReportSummary {
  campaigns: number;
  impressions: bigint;
  clicks: bigint;
  /** Total clicks / total impressions: never an average of the campaigns' CTRs. */
  ctr: number | null;
  spend: string;
  budget: string;
  utilisation: number | null;
  /** First and last UTC day with activity in the daily report. */
  firstDay: string | null;
  lastDay: string | null;
  /** The day statuses and flight checks were judged on. */
  asOf: string | null;
  pricingModel: string | null;
  /** Days whose counts are still growing (the as-of day). */
  partialDays: string[];
  statuses: Map<string, number>;
  /** Campaigns with delivery outside their flight dates. */
  outOfFlight: number;
}

export function summarize(reports: Reports): ReportSummary {
  const { totals, daily } = reports;
  const impressions = sumCounts(totals.map((r) => r.impressions));
  const clicks = sumCounts(totals.map((r) => r.clicks));
  const spend = sumMoney(totals.map((r) => r.spend));
  const budget = sumMoney(totals.map((r) => r.budget));
  const days = [...new Set(daily.map((r) => r.activity_date))].sort();
  const statuses = new Map<string, number>();
  for (const row of totals) statuses.set(row.status, (statuses.get(row.status) ?? 0) + 1);
  const only = (values: string[]) => [...new Set(values)].join(', ') || null;
  return {
    campaigns: totals.length,
    impressions,
    clicks,
    ctr: ratio(clicks, impressions),
    spend,
    budget,
    utilisation: ratio(scaled(spend), scaled(budget)),
    firstDay: days[0] ?? null,
    lastDay: days.at(-1) ?? null,
    asOf: only(totals.map((r) => r.status_as_of)),
    pricingModel: only(totals.map((r) => r.pricing_model)),
    partialDays: [
      ...new Set(daily.filter((r) => Number(r.is_complete_day) === 0).map((r) => r.activity_date)),
    ].sort(),
    statuses,
    outOfFlight: totals.filter((r) => r.flight_check !== 'ok').length,
  };
}

export const STATUS_LABELS: Record<string, string> = {
  active: 'active',
  scheduled: 'scheduled',
  ended: 'ended',
  budget_exhausted: 'budget exhausted',
};
export const statusLabel = (status: string) => STATUS_LABELS[status] ?? status;

export function pricingText(model: string | null): string {
  if (model === 'cpm') return 'CPM: spend = impressions × bid ÷ 1,000';
  if (model === 'cpc') return 'CPC: spend = clicks × bid';
  return model ?? 'unknown (no campaigns)';
}

/**
 * Delivery outside the flight dates, in words, one entry per side ("⚠ 120 impressions, 3 clicks
 * before start"); empty when there is none. The totals row counts both sides together; the
 * daily rows split them when a campaign delivered on both sides.
 */
export function flightFlags(row: TotalsRow, daily: DailyRow[]): string[] {
  if (row.flight_check === 'ok') return [];
  const amounts = (impressions: bigint, clicks: bigint) =>
    [
      impressions > 0n || clicks === 0n ? plural(impressions, 'impression') : '',
      clicks > 0n ? plural(clicks, 'click') : '',
    ]
      .filter(Boolean)
      .join(', ');
  const impressions = BigInt(row.out_of_flight_impressions);
  const clicks = BigInt(row.out_of_flight_clicks);
  const side = (flight: string) => {
    const rows = daily.filter((d) => d.campaign_id === row.campaign_id && d.flight === flight);
    return {
      impressions: sumCounts(rows.map((r) => r.impressions)),
      clicks: sumCounts(rows.map((r) => r.clicks)),
    };
  };
  switch (row.flight_check) {
    case 'activity_before_start':
      return [`⚠ ${amounts(impressions, clicks)} before start`];
    case 'activity_after_end':
      return [`⚠ ${amounts(impressions, clicks)} after end`];
    case 'activity_before_start_and_after_end': {
      const before = side('before_start');
      const after = side('after_end');
      if (
        before.impressions + after.impressions === impressions &&
        before.clicks + after.clicks === clicks
      )
        return [
          `⚠ ${amounts(before.impressions, before.clicks)} before start`,
          `⚠ ${amounts(after.impressions, after.clicks)} after end`,
        ];
      return [`⚠ ${amounts(impressions, clicks)} before start and after end`];
    }
    default:
      return [`⚠ ${row.flight_check}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Text tables.

interface Column<T> {
  title: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

function textTable<T>(columns: Column<T>[], rows: T[], footer?: string[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const all = footer ? [...cells, footer] : cells;
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...all.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) =>
        columns[i]?.align === 'right'
          ? value.padStart(widths[i] ?? 0)
          : value.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [
    line(columns.map((c) => c.title)),
    rule,
    ...cells.map(line),
    ...(footer ? [rule, line(footer)] : []),
  ].join('\n');
}

const TOTALS_COLUMNS: Column<TotalsRow>[] = [
  { title: 'advertiser', value: (r) => r.advertiser_name },
  { title: 'campaign', value: (r) => r.campaign_name },
  { title: 'start', value: (r) => r.start_date },
  { title: 'end', value: (r) => r.end_date },
  {
    title: 'status',
    value: (r) => `${statusLabel(r.status)}${r.flight_check === 'ok' ? '' : ' ⚠'}`,
  },
  { title: 'impressions', value: (r) => count(r.impressions), align: 'right' },
  { title: 'clicks', value: (r) => count(r.clicks), align: 'right' },
  { title: 'CTR', value: (r) => percent(r.ctr), align: 'right' },
  { title: 'spend', value: (r) => money(r.spend), align: 'right' },
  { title: 'budget', value: (r) => money(r.budget), align: 'right' },
  { title: 'used', value: (r) => percent(r.budget_utilisation, 1), align: 'right' },
];

/** The totals row, in TOTALS_COLUMNS order. */
function totalsFooter(summary: ReportSummary): string[] {
  return [
    'total',
    `${summary.campaigns} campaigns`,
    '',
    '',
    '',
    count(summary.impressions),
    count(summary.clicks),
    percent(summary.ctr),
    money(summary.spend),
    money(summary.budget),
    percent(summary.utilisation, 1),
  ];
}

function dailyNote(row: DailyRow): string {
  return [
    Number(row.is_complete_day) === 0 ? 'today, partial' : '',
    row.flight === 'before_start' ? 'before start' : row.flight === 'after_end' ? 'after end' : '',
  ]
    .filter(Boolean)
    .join('; ');
}

const DAILY_COLUMNS: Column<DailyRow>[] = [
  { title: 'day', value: (r) => r.activity_date },
  { title: 'campaign', value: (r) => r.campaign_name },
  { title: 'impressions', value: (r) => count(r.impressions), align: 'right' },
  { title: 'clicks', value: (r) => count(r.clicks), align: 'right' },
  { title: 'CTR', value: (r) => percent(r.ctr), align: 'right' },
  { title: 'spend', value: (r) => money(r.spend), align: 'right' },
  { title: 'note', value: dailyNote },
];

/** One line: the period the data covers, the as-of day and the pricing model. */
export function headline(summary: ReportSummary): string {
  const period =
    summary.firstDay === null
      ? 'no activity yet'
      : `activity ${summary.firstDay} to ${summary.lastDay} (UTC days)`;
  return `${period}; status as of ${summary.asOf ?? '–'} (UTC); spend priced ${pricingText(summary.pricingModel)}`;
}

/** Both reports as text; the daily report shows its newest `dailyLimit` rows. */
export function formatReports(reports: Reports, dailyLimit = 20): string {
  const summary = summarize(reports);
  const newest = [...reports.daily]
    .sort(
      (a, b) =>
        b.activity_date.localeCompare(a.activity_date) ||
        Number(a.campaign_id) - Number(b.campaign_id),
    )
    .slice(0, dailyLimit);
  const hidden = reports.daily.length - newest.length;
  const flags = reports.totals.flatMap((row) => {
    const flags = flightFlags(row, reports.daily);
    return flags.length === 0
      ? []
      : [
          `  ${row.campaign_name} (id ${row.campaign_id}, ${statusLabel(row.status)}, flight ${row.start_date} to ${row.end_date}): ${flags.map((f) => f.replace(/^⚠ /, '')).join('; ')}`,
        ];
  });
  return [
    `Campaign performance: ${headline(summary)}`,
    '',
    `Campaign totals (${TOTALS_TABLE}, ${reports.totals.length} rows)`,
    textTable(TOTALS_COLUMNS, reports.totals, totalsFooter(summary)),
    ...(flags.length > 0
      ? [`⚠ delivery outside the flight dates (${flags.length} campaigns):`, ...flags]
      : []),
    '',
    `Daily CTR (${DAILY_TABLE}, ${reports.daily.length} rows${hidden > 0 ? `, newest ${newest.length} shown` : ''})`,
    textTable(DAILY_COLUMNS, newest),
  ].join('\n');
}
