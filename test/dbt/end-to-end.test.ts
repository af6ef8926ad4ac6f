/**
 * End to end on this machine: the generator fills an embedded PostgreSQL, the postgres extractor
 * copies it through the ClickHouse HTTP server into the embedded engine, real dbt builds the
 * models through the same server, and the reports must equal the same KPIs computed by
 * independent SQL on PostgreSQL. Then more traffic arrives and the incremental run must still
 * agree; then `generate reset` deletes everything.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../support/clickhouse.js';
import type { DbtResult } from '../support/dbt.js';
import { batchArgs } from '../support/generator.js';
import { postgresDailyCtr, startPostgres, type TestPostgres } from '../support/postgres.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

const REPO = path.resolve(import.meta.dirname, '../..');

let postgres: TestPostgres;
let warehouse: TestWarehouse;

beforeAll(async () => {
  postgres = await startPostgres();
  warehouse = await startWarehouse();
});
afterAll(async () => {
  await warehouse?.destroy();
  await postgres?.stop();
});

const env = () => ({ PG_URL: postgres.url, ...warehouse.env });

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

/** Builds the reports with real dbt and reads them. */
async function buildModels() {
  const result = await warehouse.dbt([
    'build',
    '--select',
    '+advertiser_campaigns_totals_report',
    '+advertiser_campaigns_daily_ctr_report',
  ]);
  const totals = await queryRows(
    warehouse.client,
    `SELECT campaign_id, advertiser_id, campaign_name, toString(budget) AS budget,
            impressions, clicks, ctr
     FROM analytics.advertiser_campaigns_totals_report ORDER BY campaign_id`,
  );
  const daily = await queryRows(
    warehouse.client,
    `SELECT campaign_id, toString(activity_date) AS day, impressions, clicks, ctr
     FROM analytics.advertiser_campaigns_daily_ctr_report ORDER BY campaign_id, day`,
  );
  return { result, totals, daily };
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
    const daily = await postgresDailyCtr(client);
    const ctr = (impressions: number, clicks: number) =>
      impressions > 0 ? clicks / impressions : null;
    return {
      totals: totals.rows.map((row) => ({
        ...row,
        budget: String(Number(row.budget)),
        ctr: ctr(row.impressions, row.clicks),
      })),
      daily,
    };
  } finally {
    await client.end();
  }
}

/** Data tests may only fail where PostgreSQL itself has more clicks than impressions on a day. */
function expectDataTestsPass(result: DbtResult, pg: Awaited<ReturnType<typeof postgresKpis>>) {
  const overOne = pg.daily.filter((row) => row.impressions > 0 && row.clicks > row.impressions);
  const failing = result.tests
    .filter((test) => test.status !== 'pass')
    .map((test) => ({ name: test.name.replace(/\.[0-9a-f]+$/, ''), failures: test.failures }));
  expect(failing, result.output).toEqual(
    overOne.length === 0
      ? []
      : [
          {
            name: expect.stringMatching(/^value_between_advertiser_campaigns_daily_ctr_report_ctr/),
            failures: overOne.length,
          },
        ],
  );
  const models = result.nodes.filter((node) => node.resourceType === 'model');
  expect(models.filter((model) => model.status !== 'success')).toEqual([]);
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
    for (const model of ['int_clicks_by_id_block', 'int_impressions_by_id_block']) {
      const compiled = await readFile(
        path.join(
          second.result.targetPath,
          'compiled/adtech_pipeline/models/intermediate',
          `${model}.sql`,
        ),
        'utf8',
      );
      expect(compiled, `${model} ran incrementally`).toMatch(/touched_blocks/);
    }
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
