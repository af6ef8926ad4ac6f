import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, type LocalStackState } from '../../extractors/core/local-stack.js';
import type { Reports } from '../../local/reports.js';
import { nodeTsx } from '../support/cli.js';
import { freePort } from '../support/postgres.js';
import { repoRoot } from '../support/repo-root.js';

/**
 * `npm run demo` end to end, as a user runs it (the local stack, embedded PostgreSQL and our
 * ClickHouse server over the embedded engine, in a data folder; the shipped DAGs through
 * `dag test`), twice: the first run starts the stack and does the initial load, the second reuses
 * it, adds a batch and loads incrementally. After each, the report rows the demo wrote must equal
 * what independent SQL computes straight from PostgreSQL.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'adtech-demo-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
fs.chmodSync(dataDir, 0o755);
let ports: string[] = [];

/** A shell with no database settings of its own. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(PG|CLICKHOUSE_|ADTECH_)/.test(key)) env[key] = value;
  }
  return env;
}

const local = (command: string) =>
  execa(...nodeTsx('local/stack-cli.ts', [command, '--data-dir', dataDir]), {
    cwd: repoRoot,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });

const stackState = () =>
  JSON.parse(fs.readFileSync(path.join(dataDir, 'local/stack.json'), 'utf8')) as LocalStackState;

beforeAll(async () => {
  ports = ['--pg-port', String(await freePort()), '--clickhouse-port', String(await freePort())];
});

afterAll(async () => {
  await local('down');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function runDemo(extraArgs: string[] = []) {
  return execa(...nodeTsx('local/demo.ts', ['--data-dir', dataDir, ...ports, ...extraArgs]), {
    cwd: repoRoot,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
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
  const url = stackState().postgres?.url;
  const client = new pg.Client({ connectionString: url });
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
    expect(first.stdout).toMatch(/demo: local stack started \(postgres, clickhouse\)/);
    // The reports came from the stack's ClickHouse server, not an embedded engine of the demo's.
    expect(first.stdout).toContain(`ClickHouse server ${stackState().clickhouse?.url}`);
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
    expect(second.stdout).toContain('demo: local stack already running');
    // Incremental: the re-run extracts about one batch (a full reload would be two).
    const extracted = (output: string) =>
      Number(/extract postgres ok: ([\d,]+) rows/.exec(output)?.[1]?.replace(/,/g, ''));
    expect(extracted(second.stdout)).toBeLessThan(extracted(first.stdout) * 1.5);
    const secondRows = demoRows();
    expect(secondRows.totals).toHaveLength(24);
    expect(secondRows).toEqual(await expectedFromPostgres());
  }, 600_000);

  it('Ctrl-C in a terminal (SIGINT to the whole process group) stops promptly and cleanly', async () => {
    // A terminal signals the foreground process group: the demo and the running task's processes.
    const child = execa(...nodeTsx('local/demo.ts', ['--data-dir', dataDir, ...ports, '--watch']), {
      cwd: repoRoot,
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
      all: true,
      detached: true,
    });
    let output = '';
    try {
      // Signal while a task of a watch cycle runs: after the first cycle, once the next task starts.
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const afterCycle = output.split(/^watch: .*$/m)[1];
          if (afterCycle !== undefined && /^ {2}▶ /m.test(afterCycle)) resolve();
        });
        child.then(() => reject(new Error(`the demo ended early:\n${output}`)), reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const signalled = performance.now();
      process.kill(-(child.pid as number), 'SIGINT');
      const result = await child;
      const seconds = (performance.now() - signalled) / 1000;
      const tail = result.all.slice(-3000);
      expect(result.exitCode, tail).toBe(0);
      expect(result.stdout).toMatch(/^demo: stopping \(Ctrl-C\)$/m);
      expect(result.stdout).toMatch(/^demo: done; the local stack keeps running/m);
      // The task that died with the group is interrupted, not failed, and nothing runs after it.
      expect(result.stdout, tail).toMatch(/^dag \w+: interrupted \(/m);
      expect(result.stdout, tail).not.toMatch(/^ {2}FAIL |: failed \(/m);
      const afterSignal = result.stdout.split(/^demo: stopping/m)[1] ?? '';
      expect(afterSignal, tail).not.toMatch(/^ {2}▶ /m);
      expect(seconds, tail).toBeLessThan(8);
      // The stack's servers are in their own sessions: Ctrl-C did not reach them.
      const { postgres, clickhouse } = stackState();
      expect(isAlive(postgres?.pid) && isAlive(clickhouse?.pid)).toBe(true);
    } finally {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }, 600_000);

  it('--watch keeps generating and refreshing, printing rows/s and report deltas, until Ctrl-C', async () => {
    // Ctrl-C starts nothing new: a cycle's generated rows load in the next run, not after the
    // signal. A pause between cycles lets the signal land there, so every cycle is loaded.
    const child = runDemo(['--watch', '--interval', '5']);
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
    // Stopped cleanly after the current step; the stack keeps running and says how to stop it.
    expect(result.exitCode, result.all.slice(-2000)).toBe(0);
    expect(result.stdout).toMatch(/demo: done; the local stack keeps running/);
    expect(result.stdout).toContain(`npm run local -- down --data-dir ${dataDir}`);
    // Ctrl-C reached the demo's process group, not the stack's servers.
    const { postgres, clickhouse } = stackState();
    expect(isAlive(postgres?.pid) && isAlive(clickhouse?.pid)).toBe(true);
    // And the reports still match the source after the watch cycles.
    expect(demoRows()).toEqual(await expectedFromPostgres());
    const down = await local('down');
    expect(down.exitCode, down.all).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'local/postgres/data/postmaster.pid'))).toBe(false);
  }, 600_000);
});
