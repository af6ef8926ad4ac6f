/**
 * End to end on this machine: the generator fills an embedded PostgreSQL, the postgres extractor
 * copies it into embedded ClickHouse, the local runner builds the dbt models, and the reports
 * must equal the same KPIs computed by independent SQL on PostgreSQL. Then more traffic arrives
 * and the incremental run must still agree; then `generate reset` deletes everything.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../dbt-runner/project.js';
import { type RunResult, runProject } from '../../dbt-runner/runner.js';
import { openClickHouse, queryRows, tempClickHousePath } from '../support/clickhouse.js';
import { batchArgs } from '../support/generator.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const project = loadProject(path.join(REPO, 'dbt'));

let postgres: TestPostgres;
let clickhousePath: string;

beforeAll(async () => {
  postgres = await startPostgres();
  clickhousePath = await tempClickHousePath();
});
afterAll(async () => {
  await postgres?.stop();
});

const env = () => ({ PG_URL: postgres.url, CLICKHOUSE_PATH: clickhousePath, CLICKHOUSE_URL: '' });

async function cli(script: string, args: string[]) {
  const result = await execa('npx', ['tsx', path.join(REPO, script), ...args], {
    cwd: REPO,
    env: env(),
    reject: false,
  });
  expect(result.exitCode, `${script} ${args.join(' ')}\n${result.stderr}`).toBe(0);
}
const generate = (...args: string[]) => cli('generator/cli.ts', args);
const extract = (runId: string) => cli('extractors/cli.ts', ['postgres', '--run-id', runId]);

/** Builds the models on the extractor's ClickHouse folder (the child has released it). */
async function buildModels() {
  const clickhouse = await openClickHouse(clickhousePath);
  try {
    const result = await runProject(project, clickhouse.client, {
      command: 'build',
      select: ['+advertiser_campaigns_totals_report', '+advertiser_campaigns_daily_ctr_report'],
    });
    const totals = await queryRows(
      clickhouse.client,
      `SELECT campaign_id, advertiser_id, campaign_name, toString(budget) AS budget,
              impressions, clicks, ctr
       FROM analytics.advertiser_campaigns_totals_report ORDER BY campaign_id`,
    );
    const daily = await queryRows(
      clickhouse.client,
      `SELECT campaign_id, toString(activity_date) AS day, impressions, clicks, ctr
       FROM analytics.advertiser_campaigns_daily_ctr_report ORDER BY campaign_id, day`,
    );
    return { result, totals, daily };
  } finally {
    await clickhouse.close();
  }
}

/** The same KPIs, straight from PostgreSQL. */
async function postgresKpis() {
  const client = postgres.client();
  await client.connect();
  try {
    const totals = await client.query(`
      SELECT c.id::int AS campaign_id, c.advertiser_id::int AS advertiser_id,
             c.name AS campaign_name, c.budget::text AS budget,
             (SELECT count(*) FROM impressions i WHERE i.campaign_id = c.id)::int AS impressions,
             (SELECT count(*) FROM clicks k WHERE k.campaign_id = c.id)::int AS clicks
      FROM campaign c ORDER BY c.id`);
    const daily = await client.query(`
      WITH i AS (SELECT campaign_id, created_at::date AS day, count(*) AS n FROM impressions GROUP BY 1, 2),
           k AS (SELECT campaign_id, created_at::date AS day, count(*) AS n FROM clicks GROUP BY 1, 2)
      SELECT coalesce(i.campaign_id, k.campaign_id)::int AS campaign_id,
             to_char(coalesce(i.day, k.day), 'YYYY-MM-DD') AS day,
             coalesce(i.n, 0)::int AS impressions, coalesce(k.n, 0)::int AS clicks
      FROM i FULL JOIN k ON i.campaign_id = k.campaign_id AND i.day = k.day
      ORDER BY 1, 2`);
    const ctr = (impressions: number, clicks: number) =>
      impressions > 0 ? clicks / impressions : null;
    return {
      totals: totals.rows.map((row) => ({
        ...row,
        budget: String(Number(row.budget)),
        ctr: ctr(row.impressions, row.clicks),
      })),
      daily: daily.rows.map((row) => ({ ...row, ctr: ctr(row.impressions, row.clicks) })),
    };
  } finally {
    await client.end();
  }
}

/** Data tests may only fail where PostgreSQL itself has more clicks than impressions on a day. */
function expectDataTestsPass(result: RunResult, pg: Awaited<ReturnType<typeof postgresKpis>>) {
  const overOne = pg.daily.filter((row) => row.impressions > 0 && row.clicks > row.impressions);
  const failing = result.tests.filter((test) => test.failures > 0);
  expect(failing).toEqual(
    overOne.length === 0
      ? []
      : [
          {
            id: 'value_between_advertiser_campaigns_daily_ctr_report_ctr',
            model: expect.any(String),
            failures: overOne.length,
          },
        ],
  );
}

const normalise = (rows: Record<string, unknown>[]) =>
  rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' && /^\d+$/.test(value) && key !== 'day' && key !== 'budget'
          ? Number(value)
          : value,
      ]),
    ),
  );

describe('generator → postgres extractor → dbt models', () => {
  it('reports equal the KPIs computed on PostgreSQL, after a first load and after more traffic', async () => {
    await generate('init');
    await generate(
      ...batchArgs({ advertisers: 3, campaigns: 3, impressions: 400, ctr: 0.08, seed: 11 }),
    );
    await extract('e2e-1');
    const first = await buildModels();
    const expected = await postgresKpis();
    expect(expected.totals).toHaveLength(9);
    expect(expected.daily.length).toBeGreaterThan(9);
    expect(normalise(first.totals)).toEqual(expected.totals);
    expect(normalise(first.daily)).toEqual(expected.daily);
    expectDataTestsPass(first.result, expected);

    // More traffic on existing campaigns, back-dated over the last week, then another load.
    await generate('impressions', '--campaign-id', '2', '--count', '250', '--seed', '12');
    await generate('clicks', '--campaign-id', '2', '--ratio', '0.2', '--seed', '13');
    await generate(
      ...batchArgs({ advertisers: 1, campaigns: 2, impressions: 100, ctr: 0.1, seed: 14 }),
    );
    await extract('e2e-2');
    const second = await buildModels();
    expect(
      second.result.models
        .filter((m) => m.materialization === 'incremental')
        .map((m) => m.incremental),
    ).toEqual([true, true]);
    const expectedAfter = await postgresKpis();
    expect(expectedAfter.totals).toHaveLength(11);
    expect(normalise(second.totals)).toEqual(expectedAfter.totals);
    expect(normalise(second.daily)).toEqual(expectedAfter.daily);
    expectDataTestsPass(second.result, expectedAfter);

    // `generate reset` hard-deletes every row; the extractor writes tombstones.
    await generate('reset', '--yes');
    await extract('e2e-3');
    const third = await buildModels();
    expect(third.totals).toEqual([]);
    expect(third.daily).toEqual([]);
  });
});
