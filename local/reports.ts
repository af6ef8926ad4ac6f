/**
 * The two campaign reports as the demo shows them: read from ClickHouse `analytics`, printed as
 * text tables, and drawn into one self-contained HTML page (inline CSS and SVG, no CDN).
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** A totals report row; numbers that may exceed 2^53 or are decimals stay strings. */
export interface TotalsRow {
  advertiser_id: string;
  advertiser_name: string;
  campaign_id: string;
  campaign_name: string;
  budget: string;
  impressions: string;
  clicks: string;
  ctr: number | null;
  spend: string;
  budget_utilisation: number | null;
  status: string;
}

export interface DailyRow {
  activity_date: string;
  campaign_id: string;
  campaign_name: string;
  impressions: string;
  clicks: string;
  ctr: number | null;
}

export interface Reports {
  totals: TotalsRow[];
  daily: DailyRow[];
}

const TOTALS_TABLE = 'analytics.advertiser_campaigns_totals_report';
const DAILY_TABLE = 'analytics.advertiser_campaigns_daily_ctr_report';

/** Ids and counts come back as strings (exact beyond 2^53), so ordering converts them back. */
export async function readReports(client: ClickHouseClient): Promise<Reports> {
  const query = async <T>(sql: string) =>
    (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>();
  const totals = await query<TotalsRow>(`
    SELECT toString(advertiser_id) AS advertiser_id, advertiser_name,
           toString(campaign_id) AS campaign_id, campaign_name,
           toString(budget) AS budget, toString(impressions) AS impressions,
           toString(clicks) AS clicks, ctr, toString(spend) AS spend, budget_utilisation, status
    FROM ${TOTALS_TABLE}
    ORDER BY toInt64(advertiser_id), toInt64(campaign_id)`);
  const daily = await query<DailyRow>(`
    SELECT toString(activity_date) AS activity_date, toString(campaign_id) AS campaign_id,
           campaign_name, toString(impressions) AS impressions, toString(clicks) AS clicks, ctr
    FROM ${DAILY_TABLE}
    ORDER BY activity_date, toInt64(campaign_id)`);
  return { totals, daily };
}

const percent = (value: number | null, digits = 2) =>
  value === null ? '–' : `${(value * 100).toFixed(digits)}%`;
const money = (value: string) =>
  Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (value: string) => Number(value).toLocaleString('en-US');

interface Column<T> {
  title: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

const TOTALS_COLUMNS: Column<TotalsRow>[] = [
  { title: 'advertiser', value: (r) => r.advertiser_name },
  { title: 'campaign', value: (r) => r.campaign_name },
  { title: 'status', value: (r) => r.status },
  { title: 'impressions', value: (r) => count(r.impressions), align: 'right' },
  { title: 'clicks', value: (r) => count(r.clicks), align: 'right' },
  { title: 'CTR', value: (r) => percent(r.ctr), align: 'right' },
  { title: 'spend', value: (r) => money(r.spend), align: 'right' },
  { title: 'budget', value: (r) => money(r.budget), align: 'right' },
  { title: 'used', value: (r) => percent(r.budget_utilisation, 1), align: 'right' },
];

const DAILY_COLUMNS: Column<DailyRow>[] = [
  { title: 'day', value: (r) => r.activity_date },
  { title: 'campaign', value: (r) => r.campaign_name },
  { title: 'impressions', value: (r) => count(r.impressions), align: 'right' },
  { title: 'clicks', value: (r) => count(r.clicks), align: 'right' },
  { title: 'CTR', value: (r) => percent(r.ctr), align: 'right' },
];

function textTable<T>(columns: Column<T>[], rows: T[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...cells.map((row) => (row[i] ?? '').length)),
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
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line)].join('\n');
}

/** Both reports as text; the daily report shows its newest `dailyLimit` rows. */
export function formatReports(reports: Reports, dailyLimit = 20): string {
  const newest = [...reports.daily]
    .sort(
      (a, b) =>
        b.activity_date.localeCompare(a.activity_date) ||
        Number(a.campaign_id) - Number(b.campaign_id),
    )
    .slice(0, dailyLimit);
  const hidden = reports.daily.length - newest.length;
  return [
    `Campaign totals (${TOTALS_TABLE}, ${reports.totals.length} rows)`,
    textTable(TOTALS_COLUMNS, reports.totals),
    '',
    `Daily CTR (${DAILY_TABLE}, ${reports.daily.length} rows${hidden > 0 ? `, newest ${newest.length} shown` : ''})`,
    textTable(DAILY_COLUMNS, newest),
  ].join('\n');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/**
 * Daily CTR per campaign as an SVG line chart. Only the `maxLines` campaigns with the most
 * impressions get a line, so the chart stays readable; the caption says so.
 */
function ctrChartSvg(daily: DailyRow[], maxLines = PALETTE.length): string {
  const width = 950;
  const height = 360;
  const margin = { top: 20, right: 270, bottom: 40, left: 60 };
  const days = [...new Set(daily.map((r) => r.activity_date))].sort();
  const volume = new Map<string, number>();
  for (const row of daily)
    volume.set(row.campaign_id, (volume.get(row.campaign_id) ?? 0) + Number(row.impressions));
  const campaigns = [...volume.entries()]
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
    .slice(0, maxLines)
    .map(([id]) => id);
  const maxCtr = Math.max(
    0.01,
    ...daily.filter((r) => campaigns.includes(r.campaign_id)).map((r) => r.ctr ?? 0),
  );
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (day: string) =>
    margin.left + (days.length <= 1 ? plotW / 2 : (days.indexOf(day) / (days.length - 1)) * plotW);
  const y = (ctr: number) => margin.top + plotH - (ctr / maxCtr) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Daily CTR per campaign">`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const value = (maxCtr * i) / 4;
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11">${percent(value, 1)}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 10));
  days.forEach((day, i) => {
    if (i % labelEvery === 0) {
      parts.push(
        `<text x="${x(day)}" y="${height - margin.bottom + 16}" text-anchor="middle" font-size="11">${day}</text>`,
      );
    }
  });
  campaigns.forEach((id, i) => {
    const color = PALETTE[i % PALETTE.length];
    const rows = daily.filter((r) => r.campaign_id === id && r.ctr !== null);
    const points = rows
      .map((r) => `${x(r.activity_date).toFixed(1)},${y(r.ctr ?? 0).toFixed(1)}`)
      .join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    for (const r of rows) {
      parts.push(
        `<circle cx="${x(r.activity_date).toFixed(1)}" cy="${y(r.ctr ?? 0).toFixed(1)}" r="3" fill="${color}"><title>${escapeHtml(`${r.campaign_name} ${r.activity_date}: ${percent(r.ctr)}`)}</title></circle>`,
      );
    }
    const name =
      rows[0]?.campaign_name ?? daily.find((r) => r.campaign_id === id)?.campaign_name ?? id;
    const ly = margin.top + 14 + i * 18;
    parts.push(
      `<rect x="${width - margin.right + 12}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`,
      `<text x="${width - margin.right + 28}" y="${ly}" font-size="12">${escapeHtml(`#${id} ${name}`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function htmlTable<T>(columns: Column<T>[], rows: T[]): string {
  const head = columns
    .map((c) => `<th class="${c.align ?? 'left'}">${escapeHtml(c.title)}</th>`)
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${columns.map((c) => `<td class="${c.align ?? 'left'}">${escapeHtml(c.value(row))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function reportsHtml(reports: Reports, generatedAt: string): string {
  const lines = Math.min(PALETTE.length, new Set(reports.daily.map((r) => r.campaign_id)).size);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Campaign performance</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; }
th { background: #f3f3f3; }
.right { text-align: right; font-variant-numeric: tabular-nums; }
.left { text-align: left; }
figcaption, .note { color: #666; font-size: 13px; }
</style>
</head>
<body>
<h1>Campaign performance</h1>
<p class="note">Built from ClickHouse <code>analytics</code> at ${escapeHtml(generatedAt)} by <code>npm run demo</code>.</p>
<h2>Daily CTR per campaign</h2>
<figure>
${ctrChartSvg(reports.daily)}
<figcaption>Clicks / impressions per UTC day; the ${lines} campaigns with the most impressions.</figcaption>
</figure>
<h2>Campaign totals</h2>
${htmlTable(TOTALS_COLUMNS, reports.totals)}
</body>
</html>
`;
}
