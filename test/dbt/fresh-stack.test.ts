/**
 * A fresh stack that has only the PostgreSQL raw tables (no ad-platform credentials, so no
 * `raw.facebook_ads_*`, `raw.google_ads_*`, `raw.google_analytics_*`): `dbt build` and
 * `npm run dbt-local -- run` with no selector succeed, because the ad-platform models are off
 * by default (`<platform>_enabled` vars in dbt_project.yml). Switching one on without its raw
 * tables fails loudly and leaves the reports already built in place.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../dbt-runner/project.js';
import { runProject } from '../../dbt-runner/runner.js';
import { openClickHouse, queryRows, type TestClickHouse } from '../support/clickhouse.js';
import { loadAdvertisers, loadCampaigns, loadImpressions, resetWarehouse } from './raw-tables.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const project = loadProject(path.join(REPO, 'dbt'));
const AD_MODELS = [...project.models.values()]
  .filter((model) => /^(stg_(facebook_ads|google_ads|google_analytics)__|ads_)/.test(model.name))
  .map((model) => model.name)
  .sort();

let clickhouse: TestClickHouse;
const load = { loadedAt: '2024-03-01 10:00:00.000' };

const databaseTables = async () =>
  (
    await queryRows<{ name: string }>(
      clickhouse.client,
      "SELECT concat(database, '.', name) AS name FROM system.tables WHERE database IN ('raw', 'staging', 'analytics') ORDER BY name",
    )
  ).map((row) => row.name);

beforeAll(async () => {
  clickhouse = await openClickHouse();
  await resetWarehouse(clickhouse.client);
  await loadAdvertisers(clickhouse.client, [{ id: 1, name: 'Acme' }], load);
  await loadCampaigns(
    clickhouse.client,
    [
      {
        id: 10,
        advertiser_id: 1,
        name: 'Spring',
        bid: '2.00',
        budget: '100.00',
        start_date: '2024-03-01',
        end_date: '2024-03-31',
      },
    ],
    load,
  );
  await loadImpressions(
    clickhouse.client,
    [{ id: 1, campaign_id: 10, created_at: '2024-03-01 09:00:00' }],
    load,
  );
});
afterAll(async () => {
  await clickhouse?.destroy();
});

describe('a fresh stack without ad-platform data', () => {
  it('has ad-platform models to leave out', () => {
    expect(AD_MODELS).toContain('ads_daily_performance');
    expect(AD_MODELS).toContain('stg_facebook_ads__ad_insights');
    expect(AD_MODELS).toContain('stg_google_analytics__daily_sessions');
  });

  it('builds every other model and passes every data test, with no selector', async () => {
    const lines: string[] = [];
    const result = await runProject(project, clickhouse.client, {
      command: 'build',
      log: (line) => lines.push(line),
    });
    expect(result.ok).toBe(true);
    const built = result.models.map((model) => model.model);
    expect(built.length).toBe(project.models.size - AD_MODELS.length);
    expect(built.filter((name) => AD_MODELS.includes(name))).toEqual([]);
    expect(result.tests.length).toBeGreaterThan(0);
    expect(result.tests.filter((test) => test.failures > 0)).toEqual([]);
    expect(result.tests.filter((test) => AD_MODELS.includes(test.model))).toEqual([]);
    expect(lines[0]).toBe(`disabled (enabled false): ${AD_MODELS.join(', ')}`);
    const tables = await databaseTables();
    expect(tables).toContain('analytics.advertiser_campaigns_totals_report');
    expect(tables.filter((name) => /facebook|google|ads_daily/.test(name))).toEqual([]);
    expect(
      await queryRows(
        clickhouse.client,
        'SELECT campaign_id, impressions FROM analytics.advertiser_campaigns_totals_report',
      ),
    ).toEqual([{ campaign_id: 10, impressions: 1 }]);
  });

  it('fails loudly when a platform is switched on without its raw tables, keeping the reports', async () => {
    await expect(
      runProject(project, clickhouse.client, {
        command: 'run',
        select: ['+ads_daily_performance'],
        vars: { facebook_ads_enabled: true },
      }),
    ).rejects.toThrow(
      /^models\/staging\/facebook_ads\/stg_facebook_ads__ad_insights\.sql \(create view [^)]*\): [^\n]*raw\.facebook_ads_ads_insights/,
    );
    expect(await databaseTables()).toContain('analytics.advertiser_campaigns_totals_report');
  });

  it('runs with `npm run dbt-local -- run` and no selector', async () => {
    await clickhouse.close(); // the child process opens the same data folder
    const result = await execa('npx', ['tsx', path.join(REPO, 'dbt-runner/cli.ts'), 'run'], {
      cwd: REPO,
      reject: false,
      env: { CLICKHOUSE_PATH: clickhouse.path, CLICKHOUSE_URL: '' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`disabled (enabled false): ${AD_MODELS.join(', ')}`);
    expect(result.stdout).toContain(
      `done: ${project.models.size - AD_MODELS.length} models, 0 tests, 0 failing`,
    );
  });
});
