/**
 * dbt models on embedded ClickHouse: a full build of the daily CTR report (and everything
 * upstream) over 10 M raw impressions, against an incremental run after 10 k new rows.
 * `npm run bench -- dbt [--impressions=N]`. Prints figures; asserts nothing about time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../dbt-runner/project.js';
import { runProject } from '../dbt-runner/runner.js';
import { createClickHouseClient } from '../extractors/core/clickhouse-client.js';
import { resetWarehouse } from '../test/dbt/raw-tables.js';

const arg = process.argv.find((a) => a.startsWith('--impressions='));
const IMPRESSIONS = Number(arg?.split('=')[1] ?? 10_000_000);
const NEW_ROWS = 10_000;
const CAMPAIGNS = 1_000;
const DAYS = 90;
const BATCH = 1_000_000;

const folder = await mkdtemp(path.join(os.tmpdir(), 'adtech-bench-dbt-'));
const client = await createClickHouseClient({ path: folder });
const project = loadProject(path.resolve(import.meta.dirname, '../dbt'));
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
  const result = await runProject(project, client, {
    command: 'run',
    select: ['+advertiser_campaigns_daily_ctr_report'],
    fullRefresh,
    vars: { as_of_date: '2024-04-01' },
    debug: process.env.BENCH_DEBUG ? (line) => console.log(line) : undefined,
  });
  const perModel = result.models
    .filter((m) => m.materialization !== 'view')
    .map((m) => `${m.model}${m.incremental ? ' (incremental)' : ''} ${m.seconds.toFixed(2)}s`);
  return { total: seconds(started), perModel };
}

try {
  console.log(`loading ${IMPRESSIONS.toLocaleString('en')} impressions into embedded ClickHouse…`);
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

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const REPEAT = 3;
  const fullRuns: number[] = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const full = await buildReport(true);
    fullRuns.push(Number(full.total));
    console.log(`full build ${i + 1}: ${full.total}s (${full.perModel.join(', ')})`);
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
    console.log(`incremental run ${i + 1}: ${run.total}s (${run.perModel.join(', ')})`);
  }
  console.log(
    `\nRESULT ${IMPRESSIONS.toLocaleString('en')} raw impressions: full build of the daily CTR report ` +
      `${median(fullRuns).toFixed(2)}s (median of ${REPEAT}); incremental run after ` +
      `${NEW_ROWS.toLocaleString('en')} new rows ${median(incrementalRuns).toFixed(2)}s (median of ${REPEAT})`,
  );
} finally {
  await client.close();
  await rm(folder, { recursive: true, force: true });
}
