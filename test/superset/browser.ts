/**
 * The dashboard in a real browser: Debian's Chromium (`apt-get install -y chromium`) driven by
 * playwright-core. Logs in through Superset's login page, opens the dashboard, waits until every
 * chart has drawn (a canvas or a table, no loading indicator), and collects what went wrong:
 * failed chart-data responses, error alerts in a chart, and any request that would leave this
 * machine (refused here, so nothing phones home).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface DashboardVisit {
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
        result?: { error?: string }[];
        message?: unknown;
      };
      const failed = (body.result ?? []).map((r) => r.error).filter(Boolean);
      if (response.status() !== 200 || failed.length > 0) {
        errors.push(
          `chart-data ${response.status()}: ${JSON.stringify(body.message ?? failed).slice(0, 400)}`,
        );
      }
    });

    await page.goto(`${options.url}/login/`);
    await page.locator('input#username, input[name="username"]').first().fill(options.user);
    await page.locator('input#password, input[name="password"]').first().fill(options.password);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout }),
      page.locator('button[type="submit"], input[type="submit"]').first().click(),
    ]);

    const dashboards = await page.request.get(
      `${options.url}/api/v1/dashboard/?q=(filters:!((col:dashboard_title,opr:eq,value:'${options.dashboardTitle}')))`,
    );
    const found = (await dashboards.json()) as { result: { id: number; url: string }[] };
    const dashboard = found.result[0];
    if (!dashboard) throw new Error(`dashboard '${options.dashboardTitle}' not found`);
    await page.goto(`${options.url}${dashboard.url}`);

    // Every chart on the page, drawn: a canvas (ECharts) or a table, and no loading indicator.
    // Polled with locators: the page's content security policy forbids evaluated strings.
    const holders = page.locator('[data-test="chart-grid-component"]');
    const deadline = Date.now() + timeout;
    for (;;) {
      const total = await holders.count();
      const settled = await holders
        .filter({ has: page.locator('canvas, table, .ant-alert-error') })
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
      } else if ((await chart.locator('canvas, table').count()) > 0) {
        chartsDrawn.push(name);
      }
    }
    fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
    await page.screenshot({ path: options.screenshot, fullPage: true });
    return { errors, offMachineRequests, cspBlocked, chartsDrawn };
  } finally {
    await browser.close();
  }
}
