/**
 * The dashboard in a real browser: Debian's Chromium (`apt-get install -y chromium`) driven by
 * playwright-core. Logs in through Superset's login page, opens the dashboard, waits until every
 * chart has drawn (a canvas, a table or a big number, no loading indicator), and collects what
 * the real frontend asked Superset for each chart (the chart-data responses: rows, applied and
 * rejected filters, errors), what went wrong (failed chart-data responses, error alerts in a
 * chart), and any request that would leave this machine (refused here, so nothing phones home).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** What a drawn chart holds: an ECharts canvas, a table, or a big number's header line. */
const DRAWN = 'canvas, table, .header-line, .ant-empty';

/** One query of a chart-data response the dashboard's frontend received. */
export interface ChartQuerySeen {
  rowcount: number;
  /** Columns of the filters Superset applied (`__time_range` for the time range). */
  applied: string[];
  /** Filters Superset could not apply (e.g. a column the dataset lacks). */
  rejected: string[];
  error?: string;
  /** The rows as the frontend received them. */
  data: Record<string, unknown>[];
}

/** A chart-data response, keyed by the chart's id (form_data.slice_id of the request). */
export interface ChartDataSeen {
  sliceId: number;
  status: number;
  /** The time range each of the request's TEMPORAL_RANGE filters asked for. */
  timeRanges: string[];
  queries: ChartQuerySeen[];
}

export interface DashboardVisit {
  chartData: ChartDataSeen[];
  errors: string[];
  offMachineRequests: string[];
  /** What the page tried to load and the content security policy refused (console errors). */
  cspBlocked: string[];
  chartsDrawn: string[];
}

export async function openDashboard(options: {
  url: string;
  user: string;
  password: string;
  dashboardTitle: string;
  chartNames: string[];
  screenshot: string;
  /** Extra URL query for the dashboard, e.g. `native_filters=(...)` (rison). */
  query?: string;
  timeoutMs?: number;
}): Promise<DashboardVisit> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the dashboard browser test needs Debian's Chromium (apt-get update && apt-get install -y chromium)`,
    );
  }
  const timeout = options.timeoutMs ?? 180_000;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const errors: string[] = [];
  const offMachineRequests: string[] = [];
  const cspBlocked: string[] = [];
  const chartData: ChartDataSeen[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1400 } });
    await context.route('**/*', (route) => {
      const requested = new URL(route.request().url());
      if (['127.0.0.1', 'localhost'].includes(requested.hostname) || requested.protocol === 'data:')
        return route.continue();
      offMachineRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text()))
        cspBlocked.push(message.text().slice(0, 300));
    });
    page.on('response', async (response) => {
      if (!response.url().includes('/api/v1/chart/data')) return;
      const body = (await response.json().catch(() => ({}))) as {
        result?: {
          error?: string;
          rowcount?: number;
          applied_filters?: { column: string }[];
          rejected_filters?: { column: string }[];
          data?: Record<string, unknown>[];
        }[];
        message?: unknown;
      };
      const request = JSON.parse(response.request().postData() ?? '{}') as {
        form_data?: { slice_id?: number };
        queries?: { filters?: { op?: string; val?: unknown }[]; time_range?: string }[];
      };
      // The filter bar's own option queries carry no chart id.
      if (typeof request.form_data?.slice_id !== 'number') return;
      chartData.push({
        sliceId: request.form_data.slice_id,
        timeRanges: (request.queries ?? []).flatMap((query) =>
          (query.filters ?? [])
            .filter((filter) => filter.op === 'TEMPORAL_RANGE')
            // "No filter" on the chart gives way to the query's time_range (the dashboard's).
            .map((filter) =>
              filter.val === 'No filter' && query.time_range
                ? query.time_range
                : String(filter.val),
            ),
        ),
        status: response.status(),
        queries: (body.result ?? []).map((r) => ({
          rowcount: Number(r.rowcount ?? 0),
          applied: (r.applied_filters ?? []).map((f) => f.column),
          rejected: (r.rejected_filters ?? []).map((f) => f.column),
          ...(r.error ? { error: r.error } : {}),
          data: r.data ?? [],
        })),
      });
      const failed = (body.result ?? []).map((r) => r.error).filter(Boolean);
      if (response.status() !== 200 || failed.length > 0) {
        errors.push(
          `chart-data ${response.status()}: ${JSON.stringify(body.message ?? failed).slice(0, 400)}`,
        );
      }
    });

    // The login page is a React app: on a cold server a click can land before the form is
    // wired up (nothing happens), so a login that does not leave /login is tried again.
    for (let attempt = 1; ; attempt++) {
      await page.goto(`${options.url}/login/`);
      await page.locator('input#username, input[name="username"]').first().fill(options.user);
      await page.locator('input#password, input[name="password"]').first().fill(options.password);
      await page.locator('button[type="submit"], input[type="submit"]').first().click();
      try {
        await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 30_000 });
        break;
      } catch (error) {
        if (attempt === 4)
          throw new Error(`could not log in as ${options.user} in 4 attempts: ${error}`);
      }
    }

    // A loaded two-core CI machine has seen this API answer without a result once: ask again a
    // few times, and say what it answered if it keeps failing.
    let found: { result?: { id: number; url: string }[] } = {};
    for (let attempt = 1; !found.result; attempt++) {
      const dashboards = await page.request.get(
        `${options.url}/api/v1/dashboard/?q=(filters:!((col:dashboard_title,opr:eq,value:'${options.dashboardTitle}')))`,
      );
      const text = await dashboards.text();
      found = dashboards.ok() ? (JSON.parse(text) as typeof found) : {};
      if (!found.result && attempt === 3) {
        throw new Error(`dashboard list answered ${dashboards.status()}: ${text.slice(0, 400)}`);
      }
      if (!found.result) await page.waitForTimeout(2_000);
    }
    const dashboard = found.result[0];
    if (!dashboard) throw new Error(`dashboard '${options.dashboardTitle}' not found`);
    await page.goto(`${options.url}${dashboard.url}${options.query ? `?${options.query}` : ''}`);

    // Every chart on the page, drawn: a canvas (ECharts), a table or a big number (or an error),
    // and no loading indicator.
    // Polled with locators: the page's content security policy forbids evaluated strings.
    const holders = page.locator('[data-test="chart-grid-component"]');
    const deadline = Date.now() + timeout;
    for (;;) {
      const total = await holders.count();
      const settled = await holders
        .filter({ has: page.locator(`${DRAWN}, .ant-alert-error`) })
        .filter({ hasNot: page.locator('[data-test="loading-indicator"]') })
        .count();
      if (total >= options.chartNames.length && settled === total) break;
      if (Date.now() > deadline) {
        throw new Error(
          `the dashboard did not finish drawing within ${timeout / 1000} s: ${settled} of ${total} charts drawn (${options.chartNames.length} expected)`,
        );
      }
      await page.waitForTimeout(500);
    }
    // Let the last frames paint before the screenshot.
    await page.waitForTimeout(1500);

    const chartsDrawn: string[] = [];
    for (const chart of await holders.all()) {
      const name = (await chart.getAttribute('data-test-chart-name')) ?? '?';
      const alert = chart.locator('.ant-alert-error');
      if ((await alert.count()) > 0) {
        errors.push(
          `chart '${name}': ${((await alert.first().textContent()) ?? '').slice(0, 400)}`,
        );
      } else if ((await chart.locator(DRAWN).count()) > 0) {
        chartsDrawn.push(name);
      }
    }
    fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
    await page.screenshot({ path: options.screenshot, fullPage: true });
    return { chartData, errors, offMachineRequests, cspBlocked, chartsDrawn };
  } finally {
    await browser.close();
  }
}
