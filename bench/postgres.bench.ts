/**
 * PostgreSQL source benchmark (not a test): `npm run bench -- postgres [--rows=10000000]`.
 *
 * Loads N impressions (default 1 M; BENCH_ROWS or --rows=N) into embedded PostgreSQL, then
 *   1. our full extraction: the real `extract postgres` CLI in a child process into embedded
 *      ClickHouse (wall time, in-run time from its summary, peak RSS from its resourceUsage),
 *      once with `--transfer copy` (rows stream through the extractor, the default) and once
 *      with `--transfer clickhouse-pull` (ClickHouse reads the id ranges itself);
 *   2. ClickHouse's own `INSERT … SELECT FROM postgresql(…)` of the same table into a fresh
 *      embedded ClickHouse folder: the near-physical limit on this machine;
 *   3. an incremental run after 10 k new rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createClickHouseClient } from '../extractors/core/clickhouse-client.js';
import { formatCount } from '../extractors/core/logger.js';
import { addAdvertisers, addCampaigns, addImpressions, init } from '../generator/actions.js';
import { createRandom } from '../generator/random.js';
import { startPostgres } from '../test/support/postgres.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rowsArg = process.argv.find((arg) => arg.startsWith('--rows='))?.slice('--rows='.length);
const rows = Number(rowsArg ?? process.env.BENCH_ROWS ?? 1_000_000);
// Copy streams rows through the extractor, so its batch bounds our memory; a pull range only
// bounds ClickHouse's insert block, so it can be larger (fewer postgresql() round trips).
const batchSizes = {
  copy: Number(process.env.BENCH_BATCH_SIZE ?? 100_000),
  'clickhouse-pull': Number(process.env.BENCH_PULL_BATCH_SIZE ?? 1_000_000),
};
const CAMPAIGNS = 10;

interface ExtractRun {
  wallMs: number;
  runMs: number;
  rows: number;
  maxRssMb: number;
}

type Transfer = 'copy' | 'clickhouse-pull';

async function extract(
  env: Record<string, string>,
  runId: string,
  transfer: Transfer,
): Promise<ExtractRun> {
  const started = performance.now();
  const result = await execa(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'extractors/cli.ts'),
      'postgres',
      '--streams',
      'impressions',
      '--transfer',
      transfer,
    ],
    {
      cwd: root,
      env: { ...env, PG_BATCH_SIZE: String(batchSizes[transfer]), EXTRACT_RUN_ID: runId },
      reject: false,
    },
  );
  const wallMs = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`extract failed: ${result.stderr}`);
  const summary = String(result.stderr)
    .split('\n')
    .filter((line) => line.includes('"event":"summary"'))
    .map(
      (line) => JSON.parse(line) as { rows: number; duration_ms: number; max_rss_kb: number },
    )[0];
  if (!summary) throw new Error('no summary line from extract');
  return {
    wallMs,
    runMs: summary.duration_ms,
    rows: summary.rows,
    maxRssMb: summary.max_rss_kb / 1024,
  };
}

const rate = (n: number, ms: number) => `${formatCount(Math.round((n * 1000) / ms))} rows/s`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const postgres = await startPostgres();
const folders: string[] = [];
try {
  const client = postgres.client();
  await client.connect();
  await init(client);
  const random = createRandom(1);
  const [advertiser] = await addAdvertisers(client, random, 1);
  const campaigns = await addCampaigns(client, random, [advertiser as number], CAMPAIGNS);
  let started = performance.now();
  await addImpressions(client, random, campaigns, Math.ceil(rows / CAMPAIGNS));
  await client.query('VACUUM ANALYZE impressions');
  console.log(
    `generated ${formatCount(rows)} impressions in ${seconds(performance.now() - started)}`,
  );

  const runs = new Map<Transfer, { env: Record<string, string>; full: ExtractRun }>();
  for (const transfer of ['copy', 'clickhouse-pull'] as const) {
    const folder = await mkdtemp(path.join(os.tmpdir(), `bench-ch-${transfer}-`));
    folders.push(folder);
    const env = { PG_URL: postgres.url, CLICKHOUSE_PATH: folder };
    runs.set(transfer, { env, full: await extract(env, `bench-full-${transfer}`, transfer) });
  }

  // ClickHouse pulling the same table itself, in a fresh folder, same table engine and key.
  const native = await mkdtemp(path.join(os.tmpdir(), 'bench-ch-native-'));
  folders.push(native);
  const clickhouse = await createClickHouseClient({ path: native });
  await clickhouse.command({ query: 'CREATE DATABASE raw' });
  await clickhouse.command({
    query: `CREATE TABLE raw.native_impressions (id Int64, campaign_id Int64, created_at DateTime64(6, 'UTC'))
            ENGINE = ReplacingMergeTree ORDER BY id`,
  });
  started = performance.now();
  await clickhouse.command({
    query: `INSERT INTO raw.native_impressions SELECT id, campaign_id, created_at
            FROM postgresql('127.0.0.1:${postgres.port}', '${postgres.database}', 'impressions', '${postgres.user}', '${postgres.password}')`,
  });
  const nativeMs = performance.now() - started;
  await clickhouse.close();

  await addImpressions(client, random, campaigns, 1_000);
  await client.end();

  console.log(`rows: ${formatCount(rows)}`);
  console.log(
    `ClickHouse INSERT … SELECT FROM postgresql(): ${seconds(nativeMs)} (${rate(rows, nativeMs)})`,
  );
  for (const [transfer, { env, full }] of runs) {
    const incremental = await extract(env, `bench-incremental-${transfer}`, transfer);
    console.log(
      `ours --transfer ${transfer} --batch-size ${formatCount(batchSizes[transfer])}: ${seconds(full.runMs)} in-run (${rate(full.rows, full.runMs)}), ` +
        `${seconds(full.wallMs)} wall incl. process start, peak RSS ${full.maxRssMb.toFixed(0)} MB; ` +
        `ratio to native ${(nativeMs / full.runMs).toFixed(2)} (goal >= 0.5)`,
    );
    console.log(
      `  incremental (${formatCount(incremental.rows)} new rows): ${seconds(incremental.runMs)} in-run ` +
        `= ${((incremental.runMs / full.runMs) * 100).toFixed(2)} % of the full load (goal < 2 %), ` +
        `${seconds(incremental.wallMs)} wall, peak RSS ${incremental.maxRssMb.toFixed(0)} MB`,
    );
  }
} finally {
  await postgres.stop();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
}
