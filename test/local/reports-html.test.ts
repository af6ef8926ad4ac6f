import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  type DailyRow,
  formatReports,
  type Reports,
  summarize,
  type TotalsRow,
} from '../../local/reports.js';
import { ctrChart, niceTicks } from '../../local/reports-chart.js';
import { reportsHtml } from '../../local/reports-html.js';
import { repoRoot } from '../support/repo-root.js';

/**
 * The demo's HTML page and text tables from hand-built report rows: the totals row from exact
 * sums, flight flags, the partial day, the chart's caption, ticks and legend, escaping; then the
 * page in Debian's Chromium, checked for overlapping labels and saved as a screenshot.
 */

const AS_OF = '2025-06-10';
const DAYS = ['2025-06-03', '2025-06-04', '2025-06-05', '2025-06-06', '2025-06-07'];
const DAYS_ALL = [...DAYS, '2025-06-08', '2025-06-09', AS_OF];
const HOSTILE = `<script>alert("x")</script> & 'Co' <img src=x>`;

interface CampaignSpec {
  id: number;
  name: string;
  advertiser: string;
  start: string;
  end: string;
  /** Impressions and clicks per day of DAYS_ALL (0 impressions and 0 clicks: no row). */
  days: [number, number][];
  bid: number;
  budget: string;
  status: string;
}

const spendOf = (bid: number, impressions: number) => ((bid * impressions) / 1000).toFixed(6);

function build(specs: CampaignSpec[]): Reports {
  const daily: DailyRow[] = [];
  const totals: TotalsRow[] = specs.map((spec) => {
    let impressions = 0;
    let clicks = 0;
    let spendToDate = 0;
    const out = { before: [0, 0], after: [0, 0] };
    spec.days.forEach(([dayImpressions, dayClicks], i) => {
      const day = DAYS_ALL[i] ?? AS_OF;
      if (dayImpressions === 0 && dayClicks === 0) return;
      impressions += dayImpressions;
      clicks += dayClicks;
      spendToDate += (spec.bid * dayImpressions) / 1000;
      const flight = day < spec.start ? 'before_start' : day > spec.end ? 'after_end' : 'in_flight';
      const side = flight === 'before_start' ? out.before : flight === 'after_end' ? out.after : [];
      side[0] = (side[0] ?? 0) + dayImpressions;
      side[1] = (side[1] ?? 0) + dayClicks;
      daily.push({
        activity_date: day,
        campaign_id: String(spec.id),
        campaign_name: spec.name,
        impressions: String(dayImpressions),
        clicks: String(dayClicks),
        ctr: dayImpressions > 0 ? dayClicks / dayImpressions : null,
        spend: spendOf(spec.bid, dayImpressions),
        spend_to_date: spendToDate.toFixed(6),
        budget: spec.budget,
        start_date: spec.start,
        end_date: spec.end,
        status: spec.status,
        flight,
        is_complete_day: day < AS_OF ? 1 : 0,
      });
    });
    const before = (out.before[0] ?? 0) + (out.before[1] ?? 0) > 0;
    const after = (out.after[0] ?? 0) + (out.after[1] ?? 0) > 0;
    const spend = spendOf(spec.bid, impressions);
    return {
      advertiser_id: String(spec.id <= 6 ? 1 : 2),
      advertiser_name: spec.advertiser,
      campaign_id: String(spec.id),
      campaign_name: spec.name,
      start_date: spec.start,
      end_date: spec.end,
      budget: spec.budget,
      impressions: String(impressions),
      clicks: String(clicks),
      ctr: impressions > 0 ? clicks / impressions : null,
      pricing_model: 'cpm',
      spend,
      budget_utilisation: Number(spend) / Number(spec.budget),
      status: spec.status,
      status_as_of: AS_OF,
      flight_check:
        before && after
          ? 'activity_before_start_and_after_end'
          : before
            ? 'activity_before_start'
            : after
              ? 'activity_after_end'
              : 'ok',
      out_of_flight_impressions: String((out.before[0] ?? 0) + (out.after[0] ?? 0)),
      out_of_flight_clicks: String((out.before[1] ?? 0) + (out.after[1] ?? 0)),
    };
  });
  daily.sort(
    (a, b) =>
      a.activity_date.localeCompare(b.activity_date) ||
      Number(a.campaign_id) - Number(b.campaign_id),
  );
  return { totals, daily };
}

/** Deterministic day counts: `base` impressions a day, CTR around `ctr`, today a third. */
function traffic(
  base: number,
  ctr: number,
  phase: number,
  skip: number[] = [],
): [number, number][] {
  return DAYS_ALL.map((day, i) => {
    if (skip.includes(i)) return [0, 0];
    const impressions = Math.round((day === AS_OF ? base / 3 : base) * (1 + ((i * 7) % 5) / 10));
    return [impressions, Math.round(impressions * ctr * (1 + (((i + phase) * 3) % 4) / 8))];
  });
}

const NAMES = [
  'Summer Sale 2025',
  'Back to School 2025',
  'Holiday Special 2025 (EU, mobile only, retargeting)',
  'New Launch',
  'Spring Collection',
  HOSTILE,
  'Black Friday Early Access',
  'Brand Awareness Q2',
  'App Installs Android',
  'Loyalty Members',
  'Clearance',
  'Newsletter Signup',
];

function scenario(): Reports {
  return build(
    NAMES.map((name, i) => {
      const id = i + 1;
      const base = 2400 - i * 150;
      const spec: CampaignSpec = {
        id,
        name,
        advertiser: id <= 6 ? 'Smart Garden Group' : 'Solid Books Ltd',
        start: '2025-05-20',
        end: '2025-07-31',
        days: traffic(base, 0.015 + i * 0.0035, i, i === 4 ? [2, 3] : []),
        bid: 1 + i * 0.35,
        budget: (5000 + i * 1250.5).toFixed(2),
        status: 'active',
      };
      // Scheduled, yet it delivered before its start: must be flagged, not shown as just scheduled.
      if (id === 2) Object.assign(spec, { start: '2025-06-12', status: 'scheduled' });
      // Ended on the 6th and kept delivering.
      if (id === 3) Object.assign(spec, { end: '2025-06-06', status: 'ended' });
      // Both sides: started on the 5th, ended on the 8th.
      if (id === 7)
        Object.assign(spec, { start: '2025-06-05', end: '2025-06-08', status: 'ended' });
      if (id === 9) Object.assign(spec, { budget: '20.00', status: 'budget_exhausted' });
      return spec;
    }),
  );
}

const xTicks = (page: string) =>
  [
    ...page.matchAll(
      /<text class="x-tick" x="([\d.]+)"[^>]*><title>([^<]*)<\/title>([^<]*)<\/text>/g,
    ),
  ].map((m) => ({ x: Number(m[1]), day: m[2] ?? '', label: m[3] ?? '' }));
const yTicks = (page: string) =>
  [...page.matchAll(/<text class="y-tick" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map(
    (m) => ({ y: Number(m[1]), label: m[2] ?? '' }),
  );

describe('campaign performance page', () => {
  const reports = scenario();
  const page = reportsHtml(reports, '2025-06-10T14:03:27.123Z');

  it('ends the totals table with exact sums and the overall CTR from them', () => {
    const impressions = reports.totals.reduce((s, r) => s + Number(r.impressions), 0);
    const clicks = reports.totals.reduce((s, r) => s + Number(r.clicks), 0);
    const summary = summarize(reports);
    expect(summary.impressions).toBe(BigInt(impressions));
    expect(summary.clicks).toBe(BigInt(clicks));
    // Total clicks / total impressions, which differs from the mean of the campaigns' CTRs.
    const meanOfCtrs = reports.totals.reduce((s, r) => s + (r.ctr ?? 0), 0) / 12;
    expect(summary.ctr).toBe(clicks / impressions);
    expect(Math.abs((summary.ctr ?? 0) - meanOfCtrs)).toBeGreaterThan(1e-4);
    const foot = /<tfoot>([\s\S]*?)<\/tfoot>/.exec(page)?.[1] ?? '';
    const cells = [...foot.matchAll(/<t[dh][^>]*>([^<]*)/g)].map((m) => m[1]);
    const money = (sum: number) =>
      sum.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(cells).toEqual([
      'Total',
      '12 campaigns: 8 active · 1 scheduled · 2 ended · 1 budget exhausted',
      impressions.toLocaleString('en-US'),
      clicks.toLocaleString('en-US'),
      `${((clicks / impressions) * 100).toFixed(2)}%`,
      money(reports.totals.reduce((s, r) => s + Number(r.spend), 0)),
      money(reports.totals.reduce((s, r) => s + Number(r.budget), 0)),
      expect.stringMatching(/^\d+\.\d%$/),
    ]);
  });

  it('heads each advertiser with its subtotal', () => {
    const groups = [
      ...page.matchAll(
        /<tr class="group"><th colspan="4">([^<]*)<span class="id">([^<]*)<\/span><\/th>\s*<td class="num">([^<]*)<\/td>\s*<td class="num">([^<]*)<\/td>\s*<td class="num">([^<]*)</g,
      ),
    ];
    expect(groups.map((g) => g.slice(1, 3))).toEqual([
      ['Smart Garden Group', '6 campaigns'],
      ['Solid Books Ltd', '6 campaigns'],
    ]);
    const books = reports.totals.filter((r) => r.advertiser_id === '2');
    const impressions = books.reduce((s, r) => s + Number(r.impressions), 0);
    const clicks = books.reduce((s, r) => s + Number(r.clicks), 0);
    expect(groups[1]?.slice(3)).toEqual([
      impressions.toLocaleString('en-US'),
      clicks.toLocaleString('en-US'),
      `${((clicks / impressions) * 100).toFixed(2)}%`,
    ]);
  });

  it('sums money exactly, rounding half up from the decimal strings', () => {
    const row = reports.totals[0] as TotalsRow;
    const two = {
      totals: [
        { ...row, spend: '1.005', budget: '0.1' },
        { ...row, campaign_id: '99', spend: '2.5', budget: '0.2' },
      ],
      daily: [],
    };
    // 3.505 as a float is 3.50499…; the exact sum rounds to 3.51, and 0.1 + 0.2 is 0.30.
    expect(summarize(two).spend).toBe('3.505000');
    expect(reportsHtml(two, 'now')).toMatch(
      /<td class="num">3\.51<\/td>\s*<td class="num">0\.30<\/td>/,
    );
  });

  it('states the period, the as-of day, the pricing model and when it was generated', () => {
    expect(page).toMatch(/Data covers<\/dt><dd>2025-06-03 to 2025-06-10 /);
    expect(page).toMatch(/Status as of<\/dt><dd>2025-06-10 /);
    expect(page).toContain('CPM: spend &#61; impressions × bid ÷ 1,000');
    expect(page).toContain('2025-06-10 14:03 UTC');
  });

  it('flags delivery outside the flight dates next to the status, in both outputs', () => {
    const text = formatReports(reports);
    const row = (id: string) =>
      new RegExp(`<tr class="[^"]*" data-campaign="${id}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    const daily = (id: string, flight: string) =>
      reports.daily
        .filter((d) => d.campaign_id === id && d.flight === flight)
        .reduce(
          (s, d) => [(s[0] ?? 0) + Number(d.impressions), (s[1] ?? 0) + Number(d.clicks)],
          [0, 0],
        );
    const [i2, c2] = daily('2', 'before_start');
    expect(row('2')).toContain('class="flagged"');
    expect(row('2')).toContain('>scheduled</span>');
    expect(row('2')).toContain(
      `⚠ ${i2?.toLocaleString('en-US')} impressions, ${c2} clicks before start`,
    );
    const [i3, c3] = daily('3', 'after_end');
    expect(row('3')).toContain(
      `⚠ ${i3?.toLocaleString('en-US')} impressions, ${c3} clicks after end`,
    );
    const [b7, bc7] = daily('7', 'before_start');
    const [a7, ac7] = daily('7', 'after_end');
    expect(row('7')).toContain(
      `<div class="flag">⚠ ${b7?.toLocaleString('en-US')} impressions, ${bc7} clicks before start</div><div class="flag">⚠ ${a7?.toLocaleString('en-US')} impressions, ${ac7} clicks after end</div>`,
    );
    expect(text).toContain(
      `(id 7, ended, flight 2025-06-05 to 2025-06-08): ${b7?.toLocaleString('en-US')} impressions, ${bc7} clicks before start; ${a7?.toLocaleString('en-US')} impressions, ${ac7} clicks after end`,
    );
    expect(row('1')).not.toContain('⚠');
    expect(row('1')).not.toContain('flagged');
    expect(page).toContain('⚠ 3 campaigns delivered outside their flight dates');
    expect(text).toMatch(/Back to School 2025 +Smart|scheduled ⚠/);
    expect(text).toMatch(/^⚠ delivery outside the flight dates \(3 campaigns\):$/m);
    expect(text).toContain(
      `Back to School 2025 (id 2, scheduled, flight 2025-06-12 to 2025-07-31): ${i2?.toLocaleString('en-US')} impressions, ${c2} clicks before start`,
    );
    expect(text).toMatch(/^total +12 campaigns .* \d+\.\d\d%/m);
    expect(text).toMatch(
      /^Campaign performance: activity 2025-06-03 to 2025-06-10 \(UTC days\); status as of 2025-06-10 \(UTC\); spend priced CPM/,
    );
    expect(text).toMatch(/2025-06-10 +Summer Sale 2025 .*today, partial$/m);
  });

  it('marks the partial day: hollow points, dashed segments, a band and a legend note', () => {
    expect(page).toContain('class="partial-band"');
    expect(page).toContain('today (partial, UTC)');
    // Ten campaigns drawn, each with a point on the partial day joined by a dashed segment.
    expect(page.match(/class="partial-point"/g)).toHaveLength(10);
    expect(page.match(/class="partial-segment"/g)).toHaveLength(10);
    expect(page).toContain('Today (2025-06-10, UTC) is still running');
    // A campaign without impressions on the 5th and 6th: its line breaks there (two solid runs).
    const line5 =
      /<g class="campaign-line" data-campaign="5">([\s\S]*?)<\/g>/.exec(page)?.[1] ?? '';
    expect(line5.match(/<polyline fill/g)).toHaveLength(2);
    expect(line5.match(/class="partial-segment"/g)).toHaveLength(1);
    expect(line5.match(/<circle/g)).toHaveLength(6);
  });

  it('captions which campaigns are drawn and why, with a legend entry for each', () => {
    expect(page).toMatch(/the top 10 campaigns by impressions over the period; 2 others not drawn/);
    const legend = [...page.matchAll(/<text class="legend-name"[^>]*>([\s\S]*?)<\/text>/g)];
    expect(legend).toHaveLength(10);
    // The smallest two (ids 11 and 12) are the ones left out.
    expect(page).not.toMatch(/class="campaign-line" data-campaign="1[12]"/);
    expect(page).toContain('Holiday Special 2025 (EU, mob…');
    const few = ctrChart(reports.daily.filter((r) => Number(r.campaign_id) <= 3));
    expect(String(few?.caption)).toContain('all 3 campaigns with activity');
    expect(page).not.toContain('ties broken');
    // Equal volumes at the cut: the caption says how the drawn ones were chosen.
    const even = reports.daily.map((r) => ({ ...r, impressions: '100' }));
    expect(String(ctrChart(even, 4)?.caption)).toContain(
      'the top 4 campaigns by impressions over the period (ties broken by the lower campaign id); 8 others not drawn',
    );
  });

  it('puts distinct, increasing, uncrowded ticks on both axes', () => {
    const x = xTicks(page);
    expect(x.map((t) => t.label)).toEqual(DAYS_ALL.map((d) => `Jun ${Number(d.slice(8))}`));
    for (let i = 1; i < x.length; i++)
      expect((x[i]?.x ?? 0) - (x[i - 1]?.x ?? 0)).toBeGreaterThanOrEqual(40);
    const y = yTicks(page);
    expect(new Set(y.map((t) => t.label)).size).toBe(y.length);
    expect(y[0]?.label).toBe('0%');
    for (let i = 1; i < y.length; i++)
      expect((y[i - 1]?.y ?? 0) - (y[i]?.y ?? 0)).toBeGreaterThanOrEqual(30);

    // A long period: the x labels thin out to a regular step that ends on the newest day.
    const long: DailyRow[] = Array.from({ length: 120 }, (_, i) => ({
      ...(reports.daily[0] as DailyRow),
      activity_date: new Date(Date.UTC(2024, 11, 1) + i * 86_400_000).toISOString().slice(0, 10),
    }));
    const ticks = xTicks(String(ctrChart(long)?.svg));
    expect(ticks.length).toBeGreaterThan(3);
    expect(ticks.length).toBeLessThan(13);
    expect(ticks.at(-1)?.day).toBe('2025-03-30');
    expect(new Set(ticks.map((t) => t.label)).size).toBe(ticks.length);
    for (let i = 1; i < ticks.length; i++)
      expect((ticks[i]?.x ?? 0) - (ticks[i - 1]?.x ?? 0)).toBeGreaterThanOrEqual(40);
    // Across a new year the labels carry the year.
    expect(ticks.at(-1)?.label).toBe('Mar 30 2025');
  });

  it('picks nice y steps (1, 2, 2.5 or 5 × 10^k) from zero past the maximum', () => {
    expect(niceTicks(0.047)).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05]);
    expect(niceTicks(0.0123)).toEqual([0, 0.0025, 0.005, 0.0075, 0.01, 0.0125]);
    expect(niceTicks(0.5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(0)).toEqual([0, 0.002, 0.004, 0.006, 0.008, 0.01]);
    for (const max of [0.0007, 0.013, 0.09, 0.31, 1]) {
      const ticks = niceTicks(max);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
      const step = ticks[1] ?? 0;
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 2.5, 5]).toContain(mantissa);
    }
  });

  it('escapes data everywhere and fetches nothing', () => {
    expect(page).not.toContain(HOSTILE);
    expect(page).not.toContain('<script');
    expect(page).not.toMatch(/<script|<link|src=|@import/);
    expect(page).toContain(
      '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;Co&#39;',
    );
    const hostile = scenario();
    for (const row of hostile.totals) {
      row.advertiser_name = HOSTILE;
      row.status = `"><b>`;
      row.flight_check = `<i>`;
    }
    const worse = reportsHtml(hostile, `<b>`);
    expect(worse).not.toMatch(/<script|<link|src=|@import|<b>|<i>/);
  });

  it('renders an empty warehouse without a chart', () => {
    const empty = reportsHtml({ totals: [], daily: [] }, 'now');
    expect(empty).toContain('No daily activity yet.');
    expect(empty).toContain('no activity yet');
    expect(formatReports({ totals: [], daily: [] })).toMatch(/^total +0 campaigns/m);
  });

  it('looks right in Chromium: nothing overlaps, nothing is fetched; saved as a screenshot', async () => {
    const chromiumPath = '/usr/bin/chromium';
    // Fails rather than skips: the check needs Debian's Chromium (apt-get install -y chromium).
    expect(fs.existsSync(chromiumPath), `${chromiumPath} is missing`).toBe(true);
    const outDir = path.join(repoRoot, '.data/test-output');
    fs.mkdirSync(outDir, { recursive: true });
    const htmlFile = path.join(outDir, 'demo-report.html');
    fs.writeFileSync(htmlFile, page);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.continue();
      });
      const view = await context.newPage();
      await view.goto(`file://${htmlFile}`);
      expect(requests).toEqual([`file://${htmlFile}`]);
      const png = path.join(outDir, 'demo-report.png');
      await view.screenshot({ path: png, fullPage: true });
      expect(fs.statSync(png).size).toBeGreaterThan(10_000);
      const rects = async (selector: string) =>
        Promise.all(
          (await view.locator(selector).all()).map(async (element) => {
            const box = await element.boundingBox();
            if (!box) throw new Error(`${selector} is not drawn`);
            return {
              left: box.x,
              right: box.x + box.width,
              top: box.y,
              bottom: box.y + box.height,
            };
          }),
        );
      const boxes = {
        x: await rects('svg text.x-tick'),
        y: await rects('svg text.y-tick'),
        legend: await rects('svg text.legend-name'),
        plot: (await rects('svg > rect'))[0],
        svg: (await rects('svg'))[0],
        pageWidth: Number(await view.evaluate('document.documentElement.scrollWidth')),
      };
      expect(boxes.x.length).toBe(8);
      expect(boxes.legend.length).toBe(10);
      type Box = { left: number; right: number; top: number; bottom: number };
      const apart = (a: Box, b: Box) =>
        a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      for (const group of [boxes.x, boxes.y, boxes.legend])
        for (let i = 1; i < group.length; i++)
          expect(apart(group[i - 1] as Box, group[i] as Box)).toBe(true);
      // Legend names stay right of the plot and inside the drawing.
      for (const entry of boxes.legend) {
        expect(entry.left).toBeGreaterThan(boxes.plot?.right ?? 0);
        expect(entry.right).toBeLessThanOrEqual(boxes.svg?.right ?? 0);
      }
      expect(boxes.pageWidth).toBeLessThanOrEqual(1360);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
