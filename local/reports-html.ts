/**
 * The demo's campaign performance page: one self-contained HTML file (inline CSS and SVG; no
 * scripts, stylesheets, fonts or images fetched from anywhere), drawn from the rows and the
 * summary of reports.ts. Every value from the data reaches the page through `html` (html.ts),
 * the one place that escapes.
 */
import { Html, html } from './html.js';
import {
  count,
  flightFlags,
  money,
  percent,
  pricingText,
  type ReportSummary,
  type Reports,
  STATUS_LABELS,
  statusLabel,
  summarize,
  type TotalsRow,
} from './reports.js';
import { ctrChart } from './reports-chart.js';

// ---------------------------------------------------------------------------------------------
// The page.

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem 2rem; color: #222; max-width: 1280px; }
h1 { margin: 0 0 .4rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .6rem; font-size: 1.2rem; }
.meta { display: grid; grid-template-columns: repeat(2, max-content); gap: .5rem 3rem; margin: 0; font-size: 14px; }
.meta dt { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.meta dd { margin: 0; }
.kpis { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0 .6rem; }
.kpi { border: 1px solid #e3e3e3; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; }
.kpi .label { color: #666; font-size: 12px; }
.kpi .value { font-size: 1.35rem; font-variant-numeric: tabular-nums; }
.kpi .sub { color: #666; font-size: 12px; }
.alert { background: #fff4dc; border-left: 4px solid #d29922; padding: .5rem .8rem; margin: .8rem 0; }
table { border-collapse: collapse; font-size: 13.5px; }
th, td { padding: 5px 9px; border-bottom: 1px solid #e8e8e8; vertical-align: top; }
td.campaign { min-width: 12em; padding-left: 1.2em; }
tr.group th, tr.group td { background: #f7f9fb; border-top: 1px solid #d0d7de; font-weight: 600; }
tr.group th { text-align: left; }
tr.group .id { font-weight: 400; }
thead th { background: #f3f3f3; text-align: left; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th.num { text-align: right; }
.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
.id { color: #888; margin-left: .35em; font-size: 12px; }
tr.flagged td { background: #fffaf0; }
tr.flagged td:first-child { box-shadow: inset 4px 0 #d29922; }
.flag { color: #9a6700; font-size: 12.5px; margin-top: 2px; white-space: nowrap; }
.status { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12.5px; white-space: nowrap; }
.s-active { background: #dafbe1; color: #116329; }
.s-scheduled { background: #ddf4ff; color: #0a3069; }
.s-ended { background: #eaeef2; color: #424a53; }
.s-budget_exhausted { background: #ffebe9; color: #a40e26; }
.s-other { background: #eee; }
.bar { display: block; height: 4px; background: #eee; margin-top: 3px; border-radius: 2px; }
.bar span { display: block; height: 4px; background: #2da44e; border-radius: 2px; }
.bar span.over { background: #cf222e; }
tfoot th, tfoot td { border-top: 2px solid #999; font-weight: 600; background: #f7f7f7; }
tfoot th { text-align: left; }
tfoot .muted { font-weight: 400; color: #555; }
figure { margin: 0; }
figcaption, .note { color: #555; font-size: 13px; max-width: 980px; }
svg text:not([fill]) { fill: #333; }
`;

function formatGeneratedAt(iso: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::[\d.]+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

function statusCounts(summary: ReportSummary): string {
  const order = [...Object.keys(STATUS_LABELS), ...summary.statuses.keys()];
  return [...new Set(order)]
    .filter((status) => summary.statuses.has(status))
    .map((status) => `${summary.statuses.get(status)} ${statusLabel(status)}`)
    .join(' · ');
}

function usedCell(used: number | null): Html {
  const bar =
    used !== null &&
    html`<span class="bar"><span class="${used > 1 ? 'over' : ''}" style="width:${Math.min(100, Math.max(0, used * 100)).toFixed(1)}%"></span></span>`;
  return html`<td class="num">${percent(used, 1)}${bar}</td>`;
}

/** The six figures of a row, a subtotal or the total, in the table's column order. */
function figures(f: {
  impressions: string | bigint;
  clicks: string | bigint;
  ctr: number | null;
  spend: string;
  budget: string;
  utilisation: number | null;
}): Html {
  return html`<td class="num">${count(f.impressions)}</td>
<td class="num">${count(f.clicks)}</td>
<td class="num">${percent(f.ctr)}</td>
<td class="num">${money(f.spend)}</td>
<td class="num">${money(f.budget)}</td>
${usedCell(f.utilisation)}`;
}

function totalsRow(row: TotalsRow, reports: Reports): Html {
  const flags = flightFlags(row, reports.daily);
  const statusClass = row.status in STATUS_LABELS ? row.status : 'other';
  return html`<tr class="${flags.length > 0 ? 'flagged' : ''}" data-campaign="${row.campaign_id}">
<td class="campaign">${row.campaign_name}<span class="id">id ${row.campaign_id}</span></td>
<td class="date">${row.start_date}</td>
<td class="date">${row.end_date}</td>
<td><span class="status s-${statusClass}">${statusLabel(row.status)}</span>${flags.map((flag) => html`<div class="flag">${flag}</div>`)}</td>
${figures({ ...row, utilisation: row.budget_utilisation })}
</tr>`;
}

const campaigns = (n: number) => `${n} campaign${n === 1 ? '' : 's'}`;

/** One tbody per advertiser: a subtotal row naming it, then its campaigns. */
function advertiserGroup(rows: TotalsRow[], reports: Reports): Html {
  const subtotal = summarize({ totals: rows, daily: [] });
  return html`<tbody class="advertiser">
<tr class="group"><th colspan="4">${rows[0]?.advertiser_name}<span class="id">${campaigns(rows.length)}</span></th>
${figures(subtotal)}
</tr>
${rows.map((row) => totalsRow(row, reports))}
</tbody>`;
}

function totalsTable(reports: Reports, summary: ReportSummary): Html {
  const groups = new Map<string, TotalsRow[]>();
  for (const row of reports.totals)
    groups.set(row.advertiser_id, [...(groups.get(row.advertiser_id) ?? []), row]);
  const heads = ['campaign', 'start', 'end', 'status'];
  const numbers = ['impressions', 'clicks', 'CTR', 'spend', 'budget', 'budget used'];
  return html`<table class="totals">
<thead><tr>${heads.map((h) => html`<th>${h}</th>`)}${numbers.map((h) => html`<th class="num">${h}</th>`)}</tr></thead>
${[...groups.values()].map((rows) => advertiserGroup(rows, reports))}
<tfoot><tr class="total">
<th>Total</th>
<td class="muted" colspan="3">${campaigns(summary.campaigns)}: ${statusCounts(summary)}</td>
${figures(summary)}
</tr></tfoot>
</table>`;
}

function kpi(label: string, value: string, sub?: string): Html {
  return html`<div class="kpi"><div class="label">${label}</div><div class="value">${value}</div>${sub !== undefined && html`<div class="sub">${sub}</div>`}</div>`;
}

export interface PageOptions {
  /** How many campaigns the daily CTR chart draws at most (10 colours). */
  maxLines?: number;
}

export function reportsHtml(
  reports: Reports,
  generatedAt: string,
  options: PageOptions = {},
): string {
  const summary = summarize(reports);
  const chart = ctrChart(reports.daily, options.maxLines);
  const period =
    summary.firstDay === null ? 'no activity yet' : `${summary.firstDay} to ${summary.lastDay}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Campaign performance</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
<h1>Campaign performance</h1>
<dl class="meta">
<div><dt>Data covers</dt><dd>${period} <span class="id">first and last activity day, UTC</span></dd></div>
<div><dt>Status as of</dt><dd>${summary.asOf ?? '–'} <span class="id">UTC; that day's counts are partial</span></dd></div>
<div><dt>Spend priced</dt><dd>${pricingText(summary.pricingModel)}</dd></div>
<div><dt>Generated</dt><dd>${formatGeneratedAt(generatedAt)} <span class="id">from ClickHouse analytics by npm run demo</span></dd></div>
</dl>
</header>
<section class="kpis">
${kpi('Impressions', count(summary.impressions))}
${kpi('Clicks', count(summary.clicks))}
${kpi('CTR', percent(summary.ctr), 'total clicks ÷ total impressions')}
${kpi('Spend', money(summary.spend), `of ${money(summary.budget)} budget (${percent(summary.utilisation, 1)})`)}
${kpi('Campaigns', String(summary.campaigns), statusCounts(summary) || 'none yet')}
</section>
${
  summary.outOfFlight > 0 &&
  html`<p class="alert">⚠ ${summary.outOfFlight} campaign${summary.outOfFlight === 1 ? '' : 's'} delivered outside ${summary.outOfFlight === 1 ? 'its' : 'their'} flight dates (start to end): flagged in the table below.</p>`
}
<h2>Campaign totals</h2>
${totalsTable(reports, summary)}
<p class="note">Lifetime counts per campaign, with each advertiser's subtotal on its name row. Status is judged on the as-of day (budget first: a campaign whose spend reached its budget is "budget exhausted" whatever its dates). Budget used = spend ÷ budget.</p>
<h2>Daily CTR per campaign</h2>
${
  chart
    ? html`<figure>
${chart.svg}
<figcaption>${chart.caption}</figcaption>
</figure>`
    : html`<p class="note">No daily activity yet.</p>`
}
</body>
</html>
`;
  return page.text;
}
