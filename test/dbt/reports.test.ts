/**
 * The dbt models, built by real dbt (dbt-core + dbt-clickhouse) through the ClickHouse HTTP
 * server over the embedded engine, from hand-built raw rows: exact report rows, replayed loads,
 * deletions, pricing, and incremental runs that must equal a full rebuild.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../support/clickhouse.js';
import { type DbtResult, failedNodes, readManifest } from '../support/dbt.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';
import {
  type Campaign,
  events,
  loadAdvertisers,
  loadCampaigns,
  loadClicks,
  loadImpressions,
  resetWarehouse,
} from './raw-tables.js';

const AS_OF = { as_of_date: '2024-03-15' };
// Only the PostgreSQL lineage: other sources' models read raw tables these tests do not create.
const REPORTS = ['+advertiser_campaigns_totals_report', '+advertiser_campaigns_daily_ctr_report'];
const FIRST_LOAD = { loadedAt: '2024-03-15 01:00:00.000' };
const REPLAY_LOAD = { loadedAt: '2024-03-15 02:00:00.000' };

const CAMPAIGNS: Record<string, Campaign> = {
  active: {
    id: 10,
    advertiser_id: 1,
    name: 'Spring sale',
    bid: '2.00',
    budget: '100.00',
    start_date: '2024-03-01',
    end_date: '2024-03-31',
  },
  noClicks: {
    id: 11,
    advertiser_id: 1,
    name: 'No clicks',
    bid: '1.50',
    budget: '50.00',
    start_date: '2024-02-01',
    end_date: '2024-02-29',
  },
  overBudget: {
    id: 12,
    advertiser_id: 2,
    name: 'Over budget',
    bid: '5000.00',
    budget: '10.00',
    start_date: '2024-03-01',
    end_date: '2024-04-30',
  },
  deleted: {
    id: 13,
    advertiser_id: 2,
    name: 'Deleted',
    bid: '1.00',
    budget: '10.00',
    start_date: '2024-03-01',
    end_date: '2024-03-31',
  },
  future: {
    id: 14,
    advertiser_id: 2,
    name: 'Future',
    bid: '1.00',
    budget: '100.00',
    start_date: '2024-04-01',
    end_date: '2024-04-30',
  },
};

let clickhouse: TestWarehouse;

beforeAll(async () => {
  clickhouse = await startWarehouse();
});
afterAll(async () => {
  await clickhouse?.destroy();
});
/** A warehouse with nothing but empty raw tables. */
const resetBeforeEach = () =>
  beforeEach(async () => {
    await resetWarehouse(clickhouse.client);
  });

interface BuildOptions {
  vars?: Record<string, unknown>;
  fullRefresh?: boolean;
  command?: 'build' | 'run';
}

/** `dbt <build|run> --select <the reports and their parents>`, as it ran. */
function dbtReports(options: BuildOptions = {}): Promise<DbtResult> {
  const args = [options.command ?? 'build', '--select', ...REPORTS];
  if (options.fullRefresh) args.push('--full-refresh');
  return clickhouse.dbt(args, { vars: { ...AS_OF, ...options.vars } });
}

/** A build that must succeed with every model built and every data test passing. */
async function build(options: BuildOptions = {}): Promise<DbtResult> {
  const result = await dbtReports(options);
  expect(failedNodes(result), result.output).toEqual([]);
  expect(result.exitCode, result.output).toBe(0);
  return result;
}

/** The SQL dbt compiled for a model in that run (shows whether is_incremental() was true). */
const compiledSql = (result: DbtResult, model: string) =>
  readFile(
    path.join(result.targetPath, 'compiled/adtech_pipeline/models/intermediate', `${model}.sql`),
    'utf8',
  );

/**
 * Campaign 10: 4 impressions on 03-10 (loaded twice: a replayed batch), 2 on 03-11 at the last
 * microsecond of the day, 1 click on 03-10 and 2 on 03-12 (a day with clicks, no impressions).
 * Campaign 11: 3 impressions, no clicks, flight over. Campaign 12: spend 3 x 5000 / 1000 = 15
 * over a budget of 10. Campaign 13: deleted in PostgreSQL after its activity was loaded.
 * Campaign 14: starts after the as-of day, yet 1 impression on 03-14 (delivery before the
 * flight), and campaign 11 has 1 impression on 03-02, after its flight ended.
 */
async function loadScenario() {
  const { client } = clickhouse;
  await loadAdvertisers(
    client,
    [
      { id: 1, name: 'Acme' },
      { id: 2, name: 'Globex' },
    ],
    FIRST_LOAD,
  );
  await loadCampaigns(client, Object.values(CAMPAIGNS), FIRST_LOAD);
  await loadImpressions(
    client,
    [
      ...events(1, 4, 10, '2024-03-10 09:00:00'),
      ...events(5, 2, 10, '2024-03-11 23:59:59.999999'),
      ...events(7, 3, 11, '2024-02-10 12:00:00'),
      ...events(10, 3, 12, '2024-03-14 08:00:00'),
      ...events(13, 2, 13, '2024-03-13 08:00:00'),
      ...events(30, 1, 11, '2024-03-02 10:00:00'),
      ...events(31, 1, 14, '2024-03-14 11:00:00'),
    ],
    FIRST_LOAD,
  );
  await loadClicks(
    client,
    [
      ...events(1, 1, 10, '2024-03-10 09:30:00'),
      ...events(2, 2, 10, '2024-03-12 10:00:00'),
      ...events(4, 1, 12, '2024-03-14 08:05:00'),
    ],
    FIRST_LOAD,
  );
  // An extractor replaying a batch after a crash: the same ids again, with a newer version.
  await loadImpressions(client, events(1, 4, 10, '2024-03-10 09:00:00'), REPLAY_LOAD);
  // Campaign 13 deleted in PostgreSQL: a tombstone with its last known values.
  await loadCampaigns(client, [CAMPAIGNS.deleted!], REPLAY_LOAD, 1);
}

const totals = () =>
  queryRows(
    clickhouse.client,
    `SELECT campaign_id, advertiser_name, campaign_name, impressions, clicks, ctr,
            toString(spend) AS spend, toString(budget_remaining) AS budget_remaining,
            budget_utilisation, first_activity_at, last_activity_at, status, status_as_of,
            flight_check, out_of_flight_impressions, out_of_flight_clicks
     FROM analytics.advertiser_campaigns_totals_report ORDER BY campaign_id`,
  );
const daily = () =>
  queryRows(
    clickhouse.client,
    `SELECT campaign_id, toString(activity_date) AS day, impressions, clicks, ctr,
            toString(spend) AS spend, toString(spend_to_date) AS spend_to_date, status, flight,
            is_complete_day
     FROM analytics.advertiser_campaigns_daily_ctr_report ORDER BY campaign_id, day`,
  );

// One dbt build of the scenario (default vars) serves these read-only checks.
describe('reports from hand-built raw rows', () => {
  let built: DbtResult;
  beforeAll(async () => {
    await resetWarehouse(clickhouse.client);
    await loadScenario();
    built = await build();
  });

  it('builds the exact totals report (cpm pricing by default)', async () => {
    const rows = await totals();
    expect(rows.map((row) => row.campaign_id)).toEqual([10, 11, 12, 14]);
    expect(rows[0]).toEqual({
      campaign_id: 10,
      advertiser_name: 'Acme',
      campaign_name: 'Spring sale',
      impressions: 6, // the replayed batch is not counted twice
      clicks: 3,
      ctr: 0.5,
      spend: '0.012', // 6 x 2.00 / 1000
      budget_remaining: '99.988',
      budget_utilisation: expect.closeTo(0.012 / 100, 12),
      first_activity_at: '2024-03-10 09:00:00.000000',
      last_activity_at: '2024-03-12 10:00:00.000000',
      status: 'active',
      status_as_of: '2024-03-15',
      flight_check: 'ok',
      out_of_flight_impressions: 0,
      out_of_flight_clicks: 0,
    });
    expect(rows[1]).toMatchObject({
      campaign_id: 11,
      impressions: 4,
      clicks: 0,
      ctr: 0,
      spend: '0.006',
      // Ended, and flagged: it delivered after its flight.
      status: 'ended',
      flight_check: 'activity_after_end',
      out_of_flight_impressions: 1,
    });
    expect(rows[2]).toMatchObject({
      campaign_id: 12,
      impressions: 3,
      clicks: 1,
      ctr: 1 / 3,
      spend: '15',
      budget_remaining: '0',
      budget_utilisation: 1.5,
      status: 'budget_exhausted',
    });
    expect(rows[3]).toEqual({
      campaign_id: 14,
      advertiser_name: 'Globex',
      campaign_name: 'Future',
      impressions: 1,
      clicks: 0,
      ctr: 0,
      spend: '0.001',
      budget_remaining: '99.999',
      budget_utilisation: expect.closeTo(0.001 / 100, 12),
      first_activity_at: '2024-03-14 11:00:00.000000',
      last_activity_at: '2024-03-14 11:00:00.000000',
      // Not silently "scheduled": the delivery before its start date is flagged.
      status: 'scheduled',
      status_as_of: '2024-03-15',
      flight_check: 'activity_before_start',
      out_of_flight_impressions: 1,
      out_of_flight_clicks: 0,
    });
  });

  it('builds the exact daily CTR report: NULL CTR without impressions, no deleted campaign', async () => {
    // campaign, day, impressions, clicks, ctr, spend, spend to date, status, flight
    const rows: [number, string, number, number, number | null, string, string, string, string][] =
      [
        [10, '2024-03-10', 4, 1, 0.25, '0.008', '0.008', 'active', 'in_flight'],
        [10, '2024-03-11', 2, 0, 0, '0.004', '0.012', 'active', 'in_flight'],
        [10, '2024-03-12', 0, 2, null, '0', '0.012', 'active', 'in_flight'],
        [11, '2024-02-10', 3, 0, 0, '0.0045', '0.0045', 'ended', 'in_flight'],
        [11, '2024-03-02', 1, 0, 0, '0.0015', '0.006', 'ended', 'after_end'],
        [12, '2024-03-14', 3, 1, 1 / 3, '15', '15', 'budget_exhausted', 'in_flight'],
        [14, '2024-03-14', 1, 0, 0, '0.001', '0.001', 'scheduled', 'before_start'],
      ];
    expect(await daily()).toEqual(
      rows.map(
        ([campaign_id, day, impressions, clicks, ctr, spend, spend_to_date, status, flight]) => ({
          campaign_id,
          day,
          impressions,
          clicks,
          ctr,
          spend,
          spend_to_date,
          status,
          flight,
          is_complete_day: 1,
        }),
      ),
    );
  });

  it('every model documents exactly the columns it builds, in order', async () => {
    const manifest = await readManifest(built);
    const models = built.nodes.filter((node) => node.resourceType === 'model');
    expect(models.length).toBeGreaterThan(10);
    for (const { uniqueId } of models) {
      const model = manifest.nodes[uniqueId]!;
      const columns = await queryRows<{ name: string }>(
        clickhouse.client,
        `DESCRIBE TABLE ${model.schema}.${model.name}`,
      );
      expect(
        columns.map((column) => column.name),
        model.name,
      ).toEqual(Object.keys(model.columns));
    }
  });
});

describe('pricing', () => {
  resetBeforeEach();

  it('prices per click with pricing_model=cpc', async () => {
    await loadScenario();
    await build({ vars: { pricing_model: 'cpc' } });
    const rows = await totals();
    expect(rows.map((row) => [row.campaign_id, row.spend, row.status])).toEqual([
      [10, '6', 'active'], // 3 clicks x 2.00
      [11, '0', 'ended'],
      [12, '5000', 'budget_exhausted'],
      [14, '0', 'scheduled'],
    ]);
  });

  it('fails loudly on an unknown pricing model instead of reporting zero spend', async () => {
    await loadScenario();
    const result = await dbtReports({ command: 'run', vars: { pricing_model: 'cpa' } });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(
      /int_campaign_delivery[\s\S]*pricing_model must be cpm or cpc, got: cpa/,
    );
    const tables = await queryRows(
      clickhouse.client,
      "SELECT name FROM system.tables WHERE database = 'analytics' AND name LIKE 'advertiser_campaigns_%'",
    );
    expect(tables).toEqual([]);
  });
  it('refuses an as_of_date that is not a date (it is written into SQL)', async () => {
    await loadScenario();
    const hostile = "2024-03-15') OR 1=1 --";
    const result = await dbtReports({ command: 'run', vars: { as_of_date: hostile } });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain(`var as_of_date must be YYYY-MM-DD or empty, got: ${hostile}`);
    const tables = await queryRows(
      clickhouse.client,
      "SELECT name FROM system.tables WHERE database = 'analytics' AND name LIKE 'advertiser_campaigns_%'",
    );
    expect(tables).toEqual([]);
  });
});

// Each of these runs dbt two or three times.
describe('incremental runs', { timeout: 300_000 }, () => {
  resetBeforeEach();

  /** New rows after the first build: back-dated, replayed, and deleted ones. */
  async function loadChanges() {
    const { client } = clickhouse;
    const load = { loadedAt: '2024-03-16 01:00:00.000' };
    // Back-dated impressions for an old day of campaign 10, and a new day for campaign 12.
    await loadImpressions(
      client,
      [...events(20, 2, 10, '2024-03-10 18:00:00'), ...events(22, 1, 12, '2024-03-15 07:00:00')],
      load,
    );
    // A replay of clicks already counted.
    await loadClicks(client, events(2, 2, 10, '2024-03-12 10:00:00'), load);
    // Deletions: one impression of campaign 10 on 03-11, every impression of campaign 11.
    await loadImpressions(client, events(5, 1, 10, '2024-03-11 23:59:59.999999'), load, 1);
    await loadImpressions(client, events(7, 3, 11, '2024-02-10 12:00:00'), load, 1);
  }

  const SCRATCH = "name LIKE '%\\_\\_dbt\\_%'";
  const scratchTables = async () =>
    (
      await queryRows<{ name: string }>(
        clickhouse.client,
        `SELECT concat(database, '.', name) AS name FROM system.tables WHERE database IN ('intermediate', 'analytics') AND ${SCRATCH} ORDER BY name`,
      )
    ).map((row) => row.name);
  /** Every model table's rows (dbt-clickhouse's scratch tables aside). */
  const snapshot = async () => {
    const tables = await queryRows<{ name: string }>(
      clickhouse.client,
      `SELECT concat(database, '.', name) AS name FROM system.tables WHERE database IN ('intermediate', 'analytics') AND NOT ${SCRATCH} ORDER BY name`,
    );
    const contents: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      contents[name] = await queryRows(clickhouse.client, `SELECT * FROM ${name} ORDER BY ALL`);
    }
    return contents;
  };

  it('re-processes only touched days and equals a full rebuild', async () => {
    await loadScenario();
    await build();
    await loadChanges();

    const incremental = await build();
    // The incremental branch ran: its SQL reads only the touched id blocks.
    for (const model of ['int_clicks_by_id_block', 'int_impressions_by_id_block']) {
      expect(await compiledSql(incremental, model), model).toMatch(/touched_blocks/);
    }
    const afterIncremental = await snapshot();

    const rebuilt = await build({ fullRefresh: true });
    for (const model of ['int_clicks_by_id_block', 'int_impressions_by_id_block']) {
      expect(await compiledSql(rebuilt, model), model).not.toMatch(/touched_blocks/);
    }
    expect(await snapshot()).toEqual(afterIncremental);

    const report = afterIncremental['analytics.advertiser_campaigns_daily_ctr_report'] as {
      campaign_id: number;
      activity_date: string;
      impressions: number;
      clicks: number;
    }[];
    expect(
      report.map((row) => [row.campaign_id, row.activity_date, row.impressions, row.clicks]),
    ).toEqual([
      [11, '2024-03-02', 1, 0],
      [10, '2024-03-10', 6, 1],
      [10, '2024-03-11', 1, 0],
      [10, '2024-03-12', 0, 2],
      [12, '2024-03-14', 3, 1],
      [14, '2024-03-14', 1, 0],
      [12, '2024-03-15', 1, 0],
    ]);
  });

  it('a failed incremental run changes nothing, and the next run still picks the new rows up', async () => {
    await loadScenario();
    await build();
    const before = await snapshot();
    await loadImpressions(clickhouse.client, events(40, 2, 12, '2024-03-14 10:00:00'), {
      loadedAt: '2024-03-16 01:00:00.000',
    });
    // Division by zero inside the incremental model: the run fails half way.
    const failed = await dbtReports({ vars: { id_block_size: 0 } });
    expect(failed.exitCode).toBe(1);
    // dbt-clickhouse's legacy strategy leaves its empty scratch table `<model>__dbt_new_data`
    // behind on failure; the models' own tables must be untouched.
    expect(await scratchTables()).toEqual([
      'intermediate.int_clicks_by_id_block__dbt_new_data',
      'intermediate.int_impressions_by_id_block__dbt_new_data',
    ]);
    expect(failedNodes(failed).join('\n')).toMatch(
      /int_clicks_by_id_block: error [\s\S]*Division by zero/,
    );
    expect(await snapshot()).toEqual(before);
    await build();
    expect(await scratchTables(), 'the next run clears the scratch tables').toEqual([]);
    const rows = await queryRows(
      clickhouse.client,
      "SELECT impressions FROM analytics.advertiser_campaigns_daily_ctr_report WHERE campaign_id = 12 AND activity_date = '2024-03-14'",
    );
    expect(rows).toEqual([{ impressions: 5 }]);
  });

  it('an incremental run with no new rows changes nothing', async () => {
    await loadScenario();
    await build();
    const before = await snapshot();
    await build();
    expect(await snapshot()).toEqual(before);
  });

  it('only re-counts the touched id blocks', async () => {
    await loadScenario();
    // Blocks of 5 ids: 1-4 (replayed at the newest load, so re-read once more), 5-9, 10-14, 15-.
    const vars = { id_block_size: 5 };
    await build({ vars });
    // Overwrite an untouched block's count behind dbt's back: an incremental run must leave it
    // alone, proving the untouched blocks were not recomputed.
    await clickhouse.client.command({
      query:
        'ALTER TABLE intermediate.int_impressions_by_id_block UPDATE impressions = 99 WHERE id_block = 1 AND campaign_id = 11 SETTINGS mutations_sync = 2',
    });
    // A back-dated impression in a new block (id 15) for campaign 12's old day.
    await loadImpressions(clickhouse.client, events(15, 1, 12, '2024-03-14 09:00:00'), {
      loadedAt: '2024-03-16 01:00:00.000',
    });
    await build({ vars });
    const rows = await queryRows(
      clickhouse.client,
      `SELECT campaign_id, toString(activity_date) AS day, impressions
       FROM intermediate.int_impressions_by_day ORDER BY campaign_id, day`,
    );
    expect(rows).toContainEqual({ campaign_id: 11, day: '2024-02-10', impressions: 99 });
    expect(rows).toContainEqual({ campaign_id: 12, day: '2024-03-14', impressions: 4 });
  });
});

// The original schema leaves campaign_id, created_at and advertiser_id nullable, and the
// extractor now loads NULL as NULL (it used to load 0 / 1970-01-01, which stopped dbt on the
// relationships test). Events without campaign or time are left out of the reports and counted
// in analytics.postgres_unattributed_events (a warning, not a failure); a campaign without
// advertiser stays in the reports under advertiser 0, "(unknown advertiser)".
describe('rows with NULLs where the reports expect values', () => {
  resetBeforeEach();
  it('builds the reports, leaves unattributable events out and counts them', async () => {
    const { client } = clickhouse;
    await loadAdvertisers(client, [{ id: 1, name: 'Acme' }], FIRST_LOAD);
    await loadCampaigns(
      client,
      [CAMPAIGNS.active!, { ...CAMPAIGNS.active!, id: 20, advertiser_id: null, name: 'Orphan' }],
      FIRST_LOAD,
    );
    await loadImpressions(
      client,
      [
        ...events(1, 3, 10, '2024-03-10 09:00:00'),
        ...events(4, 2, 20, '2024-03-11 09:00:00'),
        { id: 6, campaign_id: null, created_at: '2024-03-10 10:00:00' },
        { id: 7, campaign_id: null, created_at: null },
        { id: 8, campaign_id: 10, created_at: null },
      ],
      FIRST_LOAD,
    );
    await loadClicks(
      client,
      [
        { id: 1, campaign_id: 10, created_at: '2024-03-10 09:30:00' },
        { id: 2, campaign_id: null, created_at: '2024-03-10 09:31:00' },
      ],
      FIRST_LOAD,
    );
    // A deleted event without campaign stays out of the reports and of the count.
    await loadImpressions(client, [{ id: 9, campaign_id: null, created_at: null }], FIRST_LOAD, 1);

    const result = await clickhouse.dbt(
      ['build', '--select', ...REPORTS, '+postgres_unattributed_events'],
      { vars: AS_OF },
    );
    expect(result.exitCode, result.output).toBe(0);
    // The only node not green is the warning that some events are left out.
    const notGreen = failedNodes(result);
    expect(notGreen, result.output).toHaveLength(1);
    expect(notGreen[0]).toMatch(
      /^test\.adtech_pipeline\.accepted_values_postgres_unattr[^:]*: warn/,
    );
    expect(
      await queryRows(
        client,
        `SELECT advertiser_id, advertiser_name, campaign_id, impressions, clicks, toString(spend) AS spend
         FROM analytics.advertiser_campaigns_totals_report ORDER BY campaign_id`,
      ),
    ).toEqual([
      {
        advertiser_id: 1,
        advertiser_name: 'Acme',
        campaign_id: 10,
        impressions: 3,
        clicks: 1,
        spend: '0.006',
      },
      {
        advertiser_id: 0,
        advertiser_name: '(unknown advertiser)',
        campaign_id: 20,
        impressions: 2,
        clicks: 0,
        spend: '0.004',
      },
    ]);
    expect(
      await queryRows(
        client,
        `SELECT campaign_id, advertiser_id, toString(activity_date) AS day, impressions, clicks
         FROM analytics.advertiser_campaigns_daily_ctr_report WHERE impressions + clicks > 0 ORDER BY campaign_id, day`,
      ),
    ).toEqual([
      { campaign_id: 10, advertiser_id: 1, day: '2024-03-10', impressions: 3, clicks: 1 },
      { campaign_id: 20, advertiser_id: 0, day: '2024-03-11', impressions: 2, clicks: 0 },
    ]);
    expect(
      await queryRows(
        client,
        'SELECT event, events, without_campaign, without_time FROM analytics.postgres_unattributed_events ORDER BY event',
      ),
    ).toEqual([
      { event: 'click', events: 1, without_campaign: 1, without_time: 0 },
      { event: 'impression', events: 3, without_campaign: 2, without_time: 2 },
    ]);
  });
});
