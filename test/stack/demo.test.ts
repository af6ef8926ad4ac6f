import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startOltpPostgres } from '../../local/oltp-postgres.js';
import type { Reports } from '../../local/reports.js';
import { repoRoot } from './stack-files.js';

/**
 * `npm run demo` end to end, as a user runs it (embedded PostgreSQL and ClickHouse in a data
 * folder, the shipped DAGs through `dag test`), twice: the first run is the initial load, the
 * second a re-run that adds a batch and loads incrementally. After each, the report rows the demo
 * wrote must equal what independent SQL computes straight from PostgreSQL.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'adtech-demo-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
fs.chmodSync(dataDir, 0o755);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function runDemo(extraArgs: string[] = []) {
  const env = { ...process.env };
  delete env.CLICKHOUSE_URL;
  delete env.CLICKHOUSE_PATH;
  return execa(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    ['local/demo.ts', '--data-dir', dataDir, ...extraArgs],
    {
      cwd: repoRoot,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    },
  );
}

interface Expected {
  totals: {
    campaign_id: string;
    impressions: string;
    clicks: string;
    spend: number;
    budget: number;
    status: string;
    ctr: number | null;
  }[];
  daily: { activity_date: string; campaign_id: string; impressions: string; clicks: string }[];
}

/** The reports computed from the OLTP tables directly (CPM pricing, status as of today in UTC). */
async function expectedFromPostgres(): Promise<Expected> {
  const postgres = await startOltpPostgres(path.join(dataDir, 'postgres'));
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const totals = await client.query(`
      WITH counts AS (
        SELECT c.id, c.advertiser_id, c.bid, c.budget, c.start_date, c.end_date,
               (SELECT count(*) FROM impressions i WHERE i.campaign_id = c.id) AS impressions,
               (SELECT count(*) FROM clicks k WHERE k.campaign_id = c.id) AS clicks
        FROM campaign c
      ), priced AS (
        SELECT *, bid * impressions / 1000.0 AS spend, (now() AT TIME ZONE 'UTC')::date AS today FROM counts
      )
      SELECT id::text AS campaign_id, impressions::text, clicks::text,
             round(spend, 6)::float8 AS spend, budget::float8 AS budget,
             CASE WHEN spend >= budget THEN 'budget_exhausted'
                  WHEN today < start_date THEN 'scheduled'
                  WHEN today > end_date THEN 'ended'
                  ELSE 'active' END AS status,
             CASE WHEN impressions > 0 THEN round(clicks::numeric / impressions, 9)::float8 END AS ctr
      FROM priced ORDER BY advertiser_id, id`);
    const daily = await client.query(`
      WITH activity AS (
        SELECT campaign_id, created_at::date AS day, count(*) AS impressions, 0 AS clicks
        FROM impressions GROUP BY 1, 2
        UNION ALL
        SELECT campaign_id, created_at::date, 0, count(*) FROM clicks GROUP BY 1, 2
      )
      SELECT day::text AS activity_date, campaign_id::text AS campaign_id,
             impressions::text AS impressions, clicks::text AS clicks
      FROM (
        SELECT day, campaign_id, sum(impressions) AS impressions, sum(clicks) AS clicks
        FROM activity WHERE campaign_id IN (SELECT id FROM campaign)
        GROUP BY campaign_id, day
      ) AS daily
      ORDER BY daily.day, daily.campaign_id`);
    return { totals: totals.rows, daily: daily.rows };
  } finally {
    await client.end();
    await postgres.stop();
  }
}

function demoRows(): Expected {
  const reports = JSON.parse(
    fs.readFileSync(path.join(dataDir, 'demo/reports.json'), 'utf8'),
  ) as Reports;
  return {
    totals: reports.totals.map((r) => ({
      campaign_id: r.campaign_id,
      impressions: r.impressions,
      clicks: r.clicks,
      spend: Number(Number(r.spend).toFixed(6)),
      budget: Number(r.budget),
      status: r.status,
      ctr: r.ctr === null ? null : Number(r.ctr.toFixed(9)),
    })),
    daily: reports.daily.map((r) => ({
      activity_date: r.activity_date,
      campaign_id: r.campaign_id,
      impressions: r.impressions,
      clicks: r.clicks,
    })),
  };
}

describe('npm run demo', () => {
  it('loads, builds and reports rows equal to PostgreSQL, on the first run and on a re-run', async () => {
    const first = await runDemo();
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(/dag oltp_to_clickhouse: success/);
    expect(first.stdout).toMatch(/dag campaign_reports: success/);
    expect(first.stdout).toMatch(
      /Campaign totals \(analytics\.advertiser_campaigns_totals_report, 12 rows\)/,
    );
    const firstRows = demoRows();
    expect(firstRows.totals).toHaveLength(12);
    expect(firstRows).toEqual(await expectedFromPostgres());

    const htmlPath = path.join(dataDir, 'demo/campaign-performance.html');
    expect(first.stdout).toContain(`HTML report written to ${htmlPath}`);
    const html = fs.readFileSync(htmlPath, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('<polyline');
    // Self-contained: no scripts, stylesheets or images fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|src=|@import/);

    const second = await runDemo();
    expect(second.exitCode, second.all).toBe(0);
    // Incremental: the re-run extracts about one batch (a full reload would be two).
    const extracted = (output: string) =>
      Number(/extract postgres ok: ([\d,]+) rows/.exec(output)?.[1]?.replace(/,/g, ''));
    expect(extracted(second.stdout)).toBeLessThan(extracted(first.stdout) * 1.5);
    const secondRows = demoRows();
    expect(secondRows.totals).toHaveLength(24);
    expect(secondRows).toEqual(await expectedFromPostgres());
  }, 600_000);

  it('--watch keeps generating and refreshing, printing rows/s and report deltas, until Ctrl-C', async () => {
    const env = { ...process.env };
    delete env.CLICKHOUSE_URL;
    delete env.CLICKHOUSE_PATH;
    const child = execa(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['local/demo.ts', '--data-dir', dataDir, '--watch', '--interval', '0'],
      { cwd: repoRoot, env, extendEnv: false, reject: false, all: true },
    );
    let output = '';
    const cycles = new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if ((output.match(/^watch: /gm) ?? []).length >= 2) resolve();
      });
    });
    await Promise.race([cycles, child]);
    child.kill('SIGINT');
    const result = await child;
    const lines = output.split('\n').filter((line) => line.startsWith('watch: '));
    expect(lines.length, result.all).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(
      /^watch: \d+ rows loaded in [\d.]+s \(\d+ rows\/s\); \+\d+ impressions, \+\d+ clicks, \d+ campaign row\(s\) changed/,
    );
    // Stopped cleanly: PostgreSQL shut down with the demo, nothing left holding the folder.
    expect(result.exitCode, result.all.slice(-2000)).toBe(0);
    expect(result.stdout).toMatch(/demo: stopped; PostgreSQL shut down/);
    expect(fs.existsSync(path.join(dataDir, 'postgres/data/postmaster.pid'))).toBe(false);
    // And the reports still match the source after the watch cycles.
    expect(demoRows()).toEqual(await expectedFromPostgres());
  }, 600_000);
});
