/**
 * The daily CTR chart of the demo's page, as inline SVG: nice-number y ticks, uncrowded date
 * ticks, a legend, and the partial as-of day drawn apart. Built with `html`, which escapes.
 */
import { type Html, html } from './html.js';
import { count, type DailyRow, percent } from './reports.js';

// ---------------------------------------------------------------------------------------------
// Axes.

/** Round y-axis ticks from 0: a step of 1, 2, 2.5 or 5 × 10^k, about `target` of them. */
export function niceTicks(max: number, target = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 0.01;
  const raw = top / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  const steps = Math.max(1, Math.ceil(top / step - 1e-9));
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** Decimals that show every tick of a percentage axis exactly (0.5% steps need one). */
function percentDigits(ticks: number[]): number {
  const step = (ticks[1] ?? 0) * 100;
  for (let digits = 0; digits < 6; digits++)
    if (Math.abs(Number(step.toFixed(digits)) - step) < 1e-9) return digits;
  return 6;
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const DAY_MS = 86_400_000;

/** Every calendar day from the first to the last activity day, so the x axis is time. */
function calendarDays(activityDays: string[]): string[] {
  const sorted = [...new Set(activityDays)].sort();
  const first = Date.parse(`${sorted[0]}T00:00:00Z`);
  const last = Date.parse(`${sorted.at(-1)}T00:00:00Z`);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last - first > 3660 * DAY_MS)
    return sorted;
  const days: string[] = [];
  for (let t = first; t <= last; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function dayLabel(day: string, withYear: boolean): string {
  const [year, month, date] = day.split('-');
  const name = MONTHS[Number(month) - 1];
  if (!name || !date) return day;
  return `${name} ${Number(date)}${withYear ? ` ${year}` : ''}`;
}

/** Which day indexes get a label: a regular step, anchored on the newest day, never crowded. */
function xTickIndexes(count: number, pxPerDay: number, labelPx: number): number[] {
  const needed = pxPerDay > 0 ? (labelPx + 14) / pxPerDay : 1;
  const step = [1, 2, 3, 7, 14, 28, 56, 91, 182, 364].find((s) => s >= needed) ?? Math.ceil(needed);
  const indexes: number[] = [];
  for (let i = count - 1; i >= 0; i -= step) indexes.unshift(i);
  return indexes;
}

// ---------------------------------------------------------------------------------------------
// The daily CTR chart.

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

const truncate = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

interface Point {
  index: number;
  row: DailyRow;
  partial: boolean;
}

/**
 * Daily CTR per campaign as an SVG line chart: the `maxLines` campaigns with the most
 * impressions over the period, each a line that breaks on days without impressions; the
 * partial as-of day drawn hollow and joined by a dashed segment. Null without activity.
 */
export function ctrChart(
  daily: DailyRow[],
  maxLines = PALETTE.length,
): { svg: Html; caption: Html } | null {
  if (daily.length === 0) return null;
  const width = 980;
  const height = 390;
  const margin = { top: 30, right: 280, bottom: 54, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const days = calendarDays(daily.map((r) => r.activity_date));
  const dayIndex = new Map(days.map((day, i) => [day, i]));
  const pad = Math.min(24, plotW / (2 * days.length));
  const pxPerDay = days.length > 1 ? (plotW - 2 * pad) / (days.length - 1) : plotW;
  const xAt = (i: number) => margin.left + (days.length > 1 ? pad + i * pxPerDay : plotW / 2);

  const volume = new Map<string, bigint>();
  const names = new Map<string, string>();
  for (const row of daily) {
    volume.set(row.campaign_id, (volume.get(row.campaign_id) ?? 0n) + BigInt(row.impressions));
    names.set(row.campaign_id, row.campaign_name);
  }
  const ranked = [...volume.entries()].sort((a, b) =>
    b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : Number(a[0]) - Number(b[0]),
  );
  const drawn = ranked.slice(0, Math.min(maxLines, PALETTE.length)).map(([id]) => id);
  // The cut falls between campaigns with as many impressions: say how it was made.
  const tied =
    ranked.length > drawn.length && ranked[drawn.length - 1]?.[1] === ranked[drawn.length]?.[1];
  const partialDays = new Set(
    daily.filter((r) => Number(r.is_complete_day) === 0).map((r) => r.activity_date),
  );
  const points = new Map<string, Point[]>(
    drawn.map((id) => [
      id,
      daily
        .filter((r) => r.campaign_id === id && r.ctr !== null)
        .map((row) => ({
          index: dayIndex.get(row.activity_date) ?? 0,
          row,
          partial: partialDays.has(row.activity_date),
        }))
        .sort((a, b) => a.index - b.index),
    ]),
  );
  const yTicks = niceTicks(Math.max(0, ...[...points.values()].flat().map((p) => p.row.ctr ?? 0)));
  const yMax = yTicks.at(-1) ?? 0.01;
  const yAt = (ctr: number) => margin.top + plotH - (ctr / yMax) * plotH;
  const digits = percentDigits(yTicks);
  const f = (n: number) => n.toFixed(1);
  const plotRight = margin.left + plotW;

  const grid = yTicks.map((tick) => {
    const y = f(yAt(tick));
    return html`<line x1="${margin.left}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="${tick === 0 ? '#999' : '#e3e3e3'}"/>
<text class="y-tick" x="${margin.left - 8}" y="${f(yAt(tick) + 4)}" text-anchor="end">${(tick * 100).toFixed(digits)}%</text>`;
  });
  const withYear = days[0]?.slice(0, 4) !== days.at(-1)?.slice(0, 4);
  const labelPx = (withYear ? 11 : 6) * 7;
  const xTicks = xTickIndexes(days.length, pxPerDay, labelPx).map((i) => {
    const day = days[i] ?? '';
    const x = f(xAt(i));
    return html`<line x1="${x}" x2="${x}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#999"/>
<text class="x-tick" x="${x}" y="${margin.top + plotH + 19}" text-anchor="middle"><title>${day}</title>${dayLabel(day, withYear)}</text>`;
  });
  const bands = [...partialDays].map((day) => {
    const i = dayIndex.get(day) ?? 0;
    const half = days.length > 1 ? pxPerDay / 2 : 24;
    const left = Math.max(margin.left, xAt(i) - half);
    const right = Math.min(plotRight, xAt(i) + half);
    const nearEdge = (left + right) / 2 + 50 > plotRight;
    return html`<rect class="partial-band" x="${f(left)}" y="${margin.top}" width="${f(right - left)}" height="${plotH}" fill="#fff4dc"/>
<text class="partial-label" x="${f(nearEdge ? plotRight : (left + right) / 2)}" y="${margin.top - 8}" text-anchor="${nearEdge ? 'end' : 'middle'}" fill="#9a6700">today (partial)</text>`;
  });

  const lines = drawn.map((id, n) => {
    const color = PALETTE[n % PALETTE.length] ?? '#333';
    const solid: Point[][] = [];
    const dashed: Point[][] = [];
    let run: Point[] = [];
    let previous: Point | undefined;
    for (const point of points.get(id) ?? []) {
      const adjacent = previous !== undefined && previous.index === point.index - 1;
      if (adjacent && !previous?.partial && !point.partial) run.push(point);
      else {
        if (run.length > 1) solid.push(run);
        run = point.partial ? [] : [point];
        if (adjacent && previous) dashed.push([previous, point]);
      }
      previous = point;
    }
    if (run.length > 1) solid.push(run);
    const coords = (segment: Point[]) =>
      segment.map((p) => `${f(xAt(p.index))},${f(yAt(p.row.ctr ?? 0))}`).join(' ');
    return html`<g class="campaign-line" data-campaign="${id}">
${solid.map((s) => html`<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords(s)}"/>`)}
${dashed.map((s) => html`<polyline class="partial-segment" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="5 4" points="${coords(s)}"/>`)}
${(points.get(id) ?? []).map(
  (p) =>
    html`<circle class="${p.partial ? 'partial-point' : 'point'}" cx="${f(xAt(p.index))}" cy="${f(yAt(p.row.ctr ?? 0))}" r="${p.partial ? 4 : 3}" fill="${p.partial ? '#fff' : color}" stroke="${color}" stroke-width="${p.partial ? 2 : 0}"><title>${p.row.campaign_name} (id ${id}), ${p.row.activity_date}${p.partial ? ' (partial day)' : ''}: CTR ${percent(p.row.ctr)}, ${count(p.row.clicks)} clicks / ${count(p.row.impressions)} impressions</title></circle>`,
)}
</g>`;
  });

  const legendX = plotRight + 24;
  const legend = drawn.map((id, n) => {
    const color = PALETTE[n % PALETTE.length] ?? '#333';
    const y = margin.top + 8 + n * 21;
    const name = names.get(id) ?? id;
    return html`<g class="legend-entry"><title>${name} (id ${id})</title>
<line x1="${legendX}" x2="${legendX + 22}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/><circle cx="${legendX + 11}" cy="${y}" r="3" fill="${color}"/>
<text class="legend-name" x="${legendX + 30}" y="${y + 4}">${truncate(name, 30)} <tspan fill="#888">id ${id}</tspan></text></g>`;
  });
  const noteY = margin.top + 8 + drawn.length * 21 + 10;
  const partialNote =
    partialDays.size > 0 &&
    html`<g class="legend-partial"><line x1="${legendX}" x2="${legendX + 22}" y1="${noteY}" y2="${noteY}" stroke="#555" stroke-width="2" stroke-dasharray="5 4"/><circle cx="${legendX + 22}" cy="${noteY}" r="4" fill="#fff" stroke="#555" stroke-width="2"/>
<text x="${legendX + 32}" y="${noteY + 4}">today (partial, UTC)</text></g>`;

  const svg = html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Daily CTR per campaign" font-family="system-ui, sans-serif" font-size="12">
<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="#fcfcfc" stroke="#ddd"/>
${bands}
${grid}
${xTicks}
<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle" fill="#555">UTC day (${days[0]} to ${days.at(-1)})</text>
<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">CTR (clicks ÷ impressions)</text>
${lines}
${legend}
${partialNote}
</svg>`;

  const total = volume.size;
  const others = total - drawn.length;
  const which =
    others > 0
      ? `the top ${drawn.length} campaigns by impressions over the period${tied ? ' (ties broken by the lower campaign id)' : ''}; ${others} other${others === 1 ? '' : 's'} not drawn (all are in the totals table)`
      : `all ${total} campaign${total === 1 ? '' : 's'} with activity`;
  const partialText =
    partialDays.size > 0
      ? ` Today (${[...partialDays].sort().join(', ')}, UTC) is still running, so its counts are partial: its points are hollow, joined by dashed lines, on a shaded band.`
      : '';
  const caption = html`Daily CTR per UTC day for ${which}. Lines break on days without impressions.${partialText} Hover a point for its clicks and impressions.`;
  return { svg, caption };
}
