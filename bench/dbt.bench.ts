/**
 * Real dbt through the ClickHouse HTTP server over the embedded engine: a full build of the
 * daily CTR report (and everything upstream) over 10 M raw impressions, against an incremental
 * run after 10 k new rows. Whole dbt process times (Python start and parse included) and dbt's
 * own per-model times. `npm run bench -- dbt [--impressions=N]`. Prints figures; asserts nothing.
 */
import { resetWarehouse } from '../test/dbt/raw-tables.js';
import { startWarehouse } from '../test/support/warehouse.js';
import { median } from './median.js';

const arg = process.argv.find((a) => a.startsWith('--impressions='));
const IMPRESSIONS = Number(arg?.split('=')[1] ?? 10_000_000);
const NEW_ROWS = 10_000;
const CAMPAIGNS = 1_000;
const DAYS = 90;
const BATCH = 1_000_000;

const warehouse = await startWarehouse();
const { client } = warehouse;
const command = (query: string) => client.command({ query });
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

/**
 * Events with ids [from, from + count) out of `total`: time grows with the id over the 90 days
 * before 2024-04-01, each back-dated by up to 7 days (as the generator does), campaigns mixed.
 */
const eventsSql = (table: string, from: number, count: number, total: number, loadedAt: string) => `
  INSERT INTO raw.${table} (id, campaign_id, created_at, _deleted, _version, _loaded_at, _run_id)
  SELECT ${from} + number, 1 + ((${from} + number) * 7919) % ${CAMPAIGNS},
         toDateTime64('2024-01-02 00:00:00', 6, 'UTC')
           + toIntervalSecond(intDiv((${from} + number) * ${DAYS * 86400}, ${total}))
           - toIntervalSecond(((${from} + number) * 104729) % ${7 * 86400}),
         0, toUnixTimestamp64Micro(toDateTime64('${loadedAt}', 6, 'UTC')), toDateTime64('${loadedAt}', 3, 'UTC'), 'bench'
  FROM numbers(${count})`;

async function buildReport(fullRefresh: boolean) {
  const started = performance.now();
  const args = ['run', '--select', '+advertiser_campaigns_daily_ctr_report'];
  if (fullRefresh) args.push('--full-refresh');
  const result = await warehouse.dbt(args, { vars: { as_of_date: '2024-04-01' } });
  if (result.exitCode !== 0) throw new Error(`dbt failed:\n${result.output}`);
  const models = result.nodes.filter((m) => m.resourceType === 'model');
  const perModel = models
    .filter((m) => !m.name.startsWith('stg_'))
    .map((m) => `${m.name} ${m.executionTime.toFixed(2)}s`);
  const inDbt = models.reduce((sum, m) => sum + m.executionTime, 0);
  return { total: seconds(started), perModel, inDbt: inDbt.toFixed(2) };
}

try {
  console.log(`loading ${IMPRESSIONS.toLocaleString('en')} impressions through ${warehouse.url}…`);
  const started = performance.now();
  await resetWarehouse(client);
  await command(
    `INSERT INTO raw.postgres_advertiser SELECT number + 1, concat('advertiser ', toString(number + 1)), NULL, '2024-01-01', 0, 1, '2024-04-01 00:00:00', 'bench' FROM numbers(100)`,
  );
  await command(
    `INSERT INTO raw.postgres_campaign SELECT number + 1, concat('campaign ', toString(number + 1)), 2.5, 100000, '2024-01-01', '2024-06-30', 1 + number % 100, NULL, '2024-01-01', 0, 1, '2024-04-01 00:00:00', 'bench' FROM numbers(${CAMPAIGNS})`,
  );
  // One load time per batch, as the extractor stamps them.
  for (let from = 1, batch = 0; from <= IMPRESSIONS; from += BATCH, batch += 1) {
    const count = Math.min(BATCH, IMPRESSIONS - from + 1);
    await command(
      eventsSql(
        'postgres_impressions',
        from,
        count,
        IMPRESSIONS,
        `2024-04-01 00:00:${String(batch % 60).padStart(2, '0')}`,
      ),
    );
  }
  await command(
    eventsSql('postgres_clicks', 1, IMPRESSIONS / 50, IMPRESSIONS / 50, '2024-04-01 00:00:00'),
  );
  console.log(`raw data loaded in ${seconds(started)}s`);

  const REPEAT = 3;
  const fullRuns: number[] = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const full = await buildReport(true);
    fullRuns.push(Number(full.total));
    console.log(
      `full build ${i + 1}: ${full.total}s, models ${full.inDbt}s (${full.perModel.join(', ')})`,
    );
  }
  const incrementalRuns: number[] = [];
  for (let i = 0; i < REPEAT; i += 1) {
    // New ids after the existing ones, back-dated over up to 7 days like the generator's.
    const from = IMPRESSIONS + 1 + i * NEW_ROWS;
    await command(
      eventsSql('postgres_impressions', from, NEW_ROWS, IMPRESSIONS, `2024-04-01 01:00:0${i}`),
    );
    const run = await buildReport(false);
    incrementalRuns.push(Number(run.total));
    console.log(
      `incremental run ${i + 1}: ${run.total}s, models ${run.inDbt}s (${run.perModel.join(', ')})`,
    );
  }
  console.log(
    `\nRESULT ${IMPRESSIONS.toLocaleString('en')} raw impressions: full build of the daily CTR report ` +
      `${median(fullRuns).toFixed(2)}s (median of ${REPEAT}); incremental run after ` +
      `${NEW_ROWS.toLocaleString('en')} new rows ${median(incrementalRuns).toFixed(2)}s (median of ${REPEAT})`,
  );
} finally {
  await warehouse.destroy();
}
