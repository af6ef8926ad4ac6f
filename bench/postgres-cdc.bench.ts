/**
 * PostgreSQL CDC mode benchmark (not a test): `npm run bench -- postgres-cdc [--changes=1000000]`.
 *
 * Embedded PostgreSQL with wal_level = logical, the real `extract postgres` CLI in child
 * processes into embedded ClickHouse:
 *   1. `--cdc-slot create` on a small database (slot, publication, snapshot);
 *   2. a burst of N changes (default 1 M; BENCH_CHANGES or --changes=N): 80 % inserts, 10 %
 *      updates, 10 % deletes, in transactions of 10,000 rows; the slot's lag in bytes after it;
 *   3. one `--mode cdc` run that catches up: sustained changes/s applied (from its own summary)
 *      and the slot's lag after it.
 * Prints the figures; asserts nothing about time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { formatCount } from '../extractors/core/logger.js';
import { addAdvertisers, addCampaigns, addImpressions, init } from '../generator/actions.js';
import { createRandom } from '../generator/random.js';
import { startPostgres } from '../test/support/postgres.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const changesArg = process.argv.find((arg) => arg.startsWith('--changes='))?.split('=')[1];
const changes = Number(changesArg ?? process.env.BENCH_CHANGES ?? 1_000_000);
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 100_000);
const TRANSACTION = 10_000;

async function extract(env: Record<string, string>, args: string[]) {
  const started = performance.now();
  const result = await execa(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'extractors/cli.ts'), 'postgres', ...args],
    { cwd: root, env: { ...env, PG_BATCH_SIZE: String(batchSize) }, reject: false },
  );
  if (result.exitCode !== 0) throw new Error(`extract ${args.join(' ')} failed: ${result.stderr}`);
  const records = String(result.stderr)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    wallMs: performance.now() - started,
    done: records.find((record) => record.event === 'cdc_done'),
    summary: records.find((record) => record.event === 'summary'),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const postgres = await startPostgres({ settings: { wal_level: 'logical' } });
const folder = await mkdtemp(path.join(os.tmpdir(), 'bench-ch-cdc-'));
try {
  const env = { PG_URL: postgres.url, CLICKHOUSE_PATH: folder };
  const client = postgres.client();
  await client.connect();
  await init(client);
  const random = createRandom(1);
  const [advertiser] = await addAdvertisers(client, random, 1);
  const campaigns = await addCampaigns(client, random, [advertiser as number], 10);
  await addImpressions(client, random, campaigns, 1_000);
  await extract(env, ['--cdc-slot', 'create']);

  const inserts = Math.round(changes * 0.8);
  const updates = Math.round(changes * 0.1);
  const deletes = changes - inserts - updates;
  let started = performance.now();
  for (let done = 0; done < inserts; done += TRANSACTION) {
    await client.query(
      `INSERT INTO impressions (campaign_id, created_at)
       SELECT ${campaigns[0]} + g % 10, now() - g * interval '1 second' FROM generate_series(1, ${Math.min(TRANSACTION, inserts - done)}) g`,
    );
  }
  const [{ min } = { min: 0 }] = (
    await client.query<{ min: number }>('SELECT min(id)::int AS min FROM impressions')
  ).rows;
  for (let done = 0; done < updates; done += TRANSACTION) {
    const upTo = Math.min(TRANSACTION, updates - done);
    await client.query(
      `UPDATE impressions SET campaign_id = ${campaigns[1]} WHERE id >= ${min + done} AND id < ${min + done + upTo}`,
    );
  }
  const top = min + updates;
  for (let done = 0; done < deletes; done += TRANSACTION) {
    const upTo = Math.min(TRANSACTION, deletes - done);
    await client.query(
      `DELETE FROM impressions WHERE id >= ${top + done} AND id < ${top + done + upTo}`,
    );
  }
  const burstMs = performance.now() - started;
  const lag = async () =>
    Number(
      (
        await client.query<{ lag: string }>(
          "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = 'adtech_cdc'",
        )
      ).rows[0]?.lag,
    );
  const lagAfterBurst = await lag();

  started = performance.now();
  const run = await extract(env, ['--mode', 'cdc']);
  const lagAfterRun = await lag();
  await client.end();
  const streamed = Number(run.done?.changes ?? 0);
  const durationMs = Number(run.done?.duration_ms ?? 0);
  console.log(
    `burst: ${formatCount(changes)} changes (${formatCount(inserts)} inserts, ${formatCount(updates)} updates, ${formatCount(deletes)} deletes) in ${seconds(burstMs)}`,
  );
  console.log(`slot lag after the burst: ${formatCount(lagAfterBurst)} bytes of WAL`);
  console.log(
    `CDC run --batch-size ${formatCount(batchSize)}: ${formatCount(streamed)} changes applied in ${seconds(durationMs)} streaming ` +
      `(${formatCount(Math.round((streamed * 1000) / Math.max(durationMs, 1)))} changes/s sustained), ` +
      `${seconds(run.wallMs)} wall incl. process start and checks, peak RSS ${(Number(run.summary?.max_rss_kb ?? 0) / 1024).toFixed(0)} MB`,
  );
  console.log(
    `slot lag after the run: ${formatCount(lagAfterRun)} bytes (caught up: ${String(run.done?.caught_up)})`,
  );
} finally {
  await postgres.stop();
  await rm(folder, { recursive: true, force: true });
}
