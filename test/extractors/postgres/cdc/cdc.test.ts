/**
 * CDC mode end to end: the real `extract postgres` CLI against embedded PostgreSQL with
 * wal_level = logical and embedded ClickHouse. One story, in order: the errors of a database not
 * set up for it, a warehouse first loaded by the watermark mode and switched to CDC, streamed
 * inserts, back-dated rows, updates, deletes and truncates, a kill -9 between a write and its
 * confirmation, the guard against going back, status and drop.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CDC_CRASH_ENV } from '../../../../extractors/postgres/cdc/command.js';
import { tempClickHousePath } from '../../../support/clickhouse.js';
import { startPostgres, type TestPostgres } from '../../../support/postgres.js';
import { logRecords, runCli, withClickHouse } from '../helpers.js';
import { clickhouseRows, pgRows, sql, TABLES, type Table, tombstones } from '../rows.js';

let postgres: TestPostgres;
let clickhousePath: string;

function extract(args: string[], env: Record<string, string | undefined> = {}) {
  const batch = args.includes('--batch-size') ? [] : ['--batch-size', '50'];
  return runCli('extractors/cli.ts', ['postgres', ...batch, ...args], {
    PG_URL: postgres.url,
    CLICKHOUSE_PATH: clickhousePath,
    CLICKHOUSE_URL: undefined,
    ...env,
  });
}

async function expectEqual(): Promise<void> {
  for (const table of Object.keys(TABLES) as Table[]) {
    const [source, warehouse] = [
      await pgRows(postgres.url, table),
      await clickhouseRows(clickhousePath, table),
    ];
    expect(warehouse.length, `${table} row count`).toBe(source.length);
    expect(warehouse, table).toEqual(source);
  }
}

async function confirmedLsn(): Promise<string | undefined> {
  const result = await sql(
    postgres.url,
    "SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'adtech_cdc'",
  );
  return result.rows[0]?.lsn;
}

/** The `cdc_done` record of a run: changes streamed, lag after it. */
function done(stderr: string): Record<string, unknown> | undefined {
  return logRecords(stderr).find((record) => record.event === 'cdc_done');
}

beforeAll(async () => {
  postgres = await startPostgres({ settings: { wal_level: 'logical' } });
  clickhousePath = await tempClickHousePath();
  const generate = (...args: string[]) =>
    runCli('generator/cli.ts', [...args, '--seed', '7'], { PG_URL: postgres.url });
  for (const args of [
    ['init'],
    ['batch', '--advertisers', '3', '--campaigns', '2', '--impressions', '300', '--ctr', '0.1'],
  ]) {
    const result = await generate(...args);
    expect(result.exitCode, result.stderr).toBe(0);
  }
});

afterAll(async () => {
  await postgres?.stop();
  if (clickhousePath) await rm(clickhousePath, { recursive: true, force: true });
});

describe('extract postgres --mode cdc', () => {
  test('before set-up: missing publication, missing slot, no replica identity: exit 2 with the fix', async () => {
    const noPublication = await extract(['--mode', 'cdc']);
    expect(noPublication.exitCode).toBe(2);
    expect(noPublication.stderr).toMatch(/publication "adtech_cdc" does not exist/);
    expect(noPublication.stderr).toMatch(/Fix: extract postgres --cdc-slot create/);

    await sql(
      postgres.url,
      'CREATE PUBLICATION adtech_cdc FOR TABLE advertiser, campaign, impressions, clicks',
    );
    const noSlot = await extract(['--mode', 'cdc']);
    expect(noSlot.exitCode).toBe(2);
    expect(noSlot.stderr).toMatch(/replication slot "adtech_cdc" does not exist/);
    expect(noSlot.stderr).toMatch(/Fix: extract postgres --cdc-slot create/);

    await sql(postgres.url, 'ALTER TABLE clicks REPLICA IDENTITY NOTHING');
    const noIdentity = await extract(['--cdc-slot', 'create']);
    expect(noIdentity.exitCode).toBe(2);
    expect(noIdentity.stderr).toMatch(
      /table public\.clicks has no usable replica identity \(REPLICA IDENTITY NOTHING\)/,
    );
    expect(noIdentity.stderr).toMatch(/ALTER TABLE "public"\."clicks" REPLICA IDENTITY FULL/);
    // Nothing was made half-way.
    expect(await confirmedLsn()).toBeUndefined();
    await sql(postgres.url, 'ALTER TABLE clicks REPLICA IDENTITY DEFAULT');
  });

  test('a warehouse loaded by the watermark mode switches to CDC: the snapshot corrects it', async () => {
    const watermark = await extract(['--run-id', 'watermark-1']);
    expect(watermark.exitCode, watermark.stderr).toBe(0);
    await expectEqual();
    // Changes the watermark mode has not seen: an update and hard deletes.
    const gone = await pgRows(postgres.url, 'impressions');
    await sql(
      postgres.url,
      `UPDATE campaign SET name = 'switched', bid = 1.23, updated_at = now() WHERE id = 1;
       DELETE FROM clicks WHERE id IN (SELECT id FROM clicks ORDER BY id LIMIT 4);
       DELETE FROM impressions WHERE id IN (5, 6, 7) AND NOT EXISTS (SELECT 1 FROM clicks c WHERE c.id < 0)`,
    );
    const create = await extract(['--cdc-slot', 'create', '--run-id', 'cdc-create']);
    expect(create.exitCode, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/slot "adtech_cdc" and publication "adtech_cdc" ready at/);
    await expectEqual();
    // The deleted rows are tombstones with their last known values, as the watermark mode
    // writes them (dbt's stg_postgres__deleted_* read those).
    expect(await tombstones(clickhousePath, 'impressions')).toEqual(
      gone.filter((row) => ['5', '6', '7'].includes(row.split('|')[0] as string)),
    );
    expect(await tombstones(clickhousePath, 'clicks')).toHaveLength(4);
    expect(await confirmedLsn()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });

  test('streamed inserts, back-dated rows, updates and deletes arrive exactly', async () => {
    await sql(
      postgres.url,
      `INSERT INTO advertiser (name, created_at) VALUES ('new advertiser', '2020-02-29 23:59:59.999999');
       INSERT INTO campaign (name, bid, budget, start_date, end_date, advertiser_id)
         VALUES ('new campaign', 0.01, 12345678.99, '2024-01-01', '2024-12-31', 4);
       -- Back-dated: created long before rows already loaded.
       INSERT INTO impressions (campaign_id, created_at)
         SELECT 7, timestamp '2001-01-01 00:00:00.000001' + g * interval '1 second' FROM generate_series(1, 130) g;
       UPDATE campaign SET budget = budget + 0.01, updated_at = '2030-01-01 12:00:00.5' WHERE id IN (2, 3);
       UPDATE advertiser SET name = E'tab\\there, quote '' and newline\\nend' WHERE id = 2;
       DELETE FROM impressions WHERE id IN (10, 11);
       DELETE FROM clicks WHERE id = (SELECT max(id) FROM clicks);
       BEGIN; INSERT INTO impressions (campaign_id) VALUES (1); DELETE FROM impressions WHERE id = 12; COMMIT;
       BEGIN; UPDATE impressions SET id = 100000 WHERE id = 13; COMMIT;`,
    );
    const run = await extract(['--mode', 'cdc', '--run-id', 'cdc-1']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /extract postgres cdc ok: .* changes .* caught up to .* lag \d+ bytes/,
    );
    await expectEqual();
    expect(done(run.stderr)).toMatchObject({ caught_up: true, truncates: 0 });
    // The changed id left a tombstone for the old one.
    const deleted = await tombstones(clickhousePath, 'impressions');
    expect(deleted.map((row) => row.split('|')[0])).toEqual([
      '5',
      '6',
      '7',
      '10',
      '11',
      '12',
      '13',
    ]);

    // Nothing new: a run streams nothing and writes nothing.
    const idle = await extract(['--mode', 'cdc', '--run-id', 'cdc-idle']);
    expect(idle.exitCode, idle.stderr).toBe(0);
    expect(done(idle.stderr)).toMatchObject({ changes: 0, rows: 0, caught_up: true });
  });

  test('a truncate, alone or with rows inserted after it in the same transaction, is exact', async () => {
    await sql(
      postgres.url,
      `TRUNCATE clicks;
       INSERT INTO clicks (campaign_id, created_at) VALUES (1, '2025-05-05 05:05:05');
       BEGIN;
         INSERT INTO impressions (campaign_id) VALUES (2);
         TRUNCATE impressions;
         INSERT INTO impressions (id, campaign_id, created_at) VALUES (1, 3, '1999-12-31 23:59:59.999999'), (500000, 1, now());
         UPDATE impressions SET campaign_id = 2 WHERE id = 500000;
       COMMIT;`,
    );
    const run = await extract(['--mode', 'cdc', '--run-id', 'cdc-truncate']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(done(run.stderr)).toMatchObject({ truncates: 2 });
    await expectEqual();
    expect(await clickhouseRows(clickhousePath, 'impressions')).toHaveLength(2);
  });

  test('kill -9 between a write and its confirmation, then resume: exact, nothing lost or doubled', async () => {
    const before = await confirmedLsn();
    await sql(
      postgres.url,
      `INSERT INTO impressions (campaign_id, created_at)
         SELECT 1 + g % 6, timestamp '2024-06-01' - g * interval '1 minute' FROM generate_series(1, 180) g;
       UPDATE campaign SET bid = bid + 1 WHERE id <= 6;
       DELETE FROM impressions WHERE id IN (SELECT id FROM impressions ORDER BY id DESC LIMIT 25);`,
    );
    const changes = 180 + 6 + 25;
    const crashed = await extract(['--mode', 'cdc', '--run-id', 'cdc-crash'], {
      [CDC_CRASH_ENV]: '1',
    });
    // tsx relays the killed child as exit status 128 + 9.
    expect(crashed.signal === 'SIGKILL' || crashed.exitCode === 137, crashed.stderr).toBe(true);
    // The first 50 changes were written, the slot was not told.
    const written = await withClickHouse(clickhousePath, (query) =>
      query<{ id: string; version: string }>(
        "SELECT toString(id) AS id, toString(_version) AS version FROM raw.postgres_impressions WHERE _run_id = 'cdc-crash' ORDER BY id",
      ),
    );
    expect(written).toHaveLength(50);
    expect(await confirmedLsn()).toBe(before);

    const resumed = await extract(['--mode', 'cdc', '--run-id', 'cdc-resume']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    // Every change again, from the last confirmed position: those written before the crash too.
    expect(done(resumed.stderr)).toMatchObject({ changes, caught_up: true });
    await expectEqual();
    // Written again at the very same versions (the commit LSN's): a replay changes nothing.
    const replayed = await withClickHouse(clickhousePath, (query) =>
      query<{ id: string; version: string }>(
        `SELECT toString(id) AS id, toString(_version) AS version FROM raw.postgres_impressions FINAL
          WHERE id IN (${written.map((row) => row.id).join(', ')}) ORDER BY id`,
      ),
    );
    expect(replayed).toEqual(written);
  });

  test('a bounded run stops at --cdc-max-seconds, confirms what it wrote, the next run goes on', async () => {
    // 200 transactions of 500 rows: more than a second of work at 50 rows a write.
    const insert =
      "BEGIN; INSERT INTO clicks (campaign_id, created_at) SELECT 1 + g % 6, now() - g * interval '1 second' FROM generate_series(1, 500) g; COMMIT;";
    await sql(postgres.url, insert.repeat(200));
    const bounded = await extract([
      '--mode',
      'cdc',
      '--cdc-max-seconds',
      '1',
      '--run-id',
      'cdc-bound',
    ]);
    expect(bounded.exitCode, bounded.stderr).toBe(0);
    expect(bounded.stdout).toMatch(/stopped after --cdc-max-seconds 1 before/);
    const stopped = done(bounded.stderr);
    expect(stopped).toMatchObject({ caught_up: false });
    const rest = await extract(['--mode', 'cdc', '--batch-size', '20000', '--run-id', 'cdc-rest']);
    expect(rest.exitCode, rest.stderr).toBe(0);
    const finished = done(rest.stderr);
    expect(finished).toMatchObject({ caught_up: true });
    // Only whole transactions were confirmed: the next run resumes at a transaction boundary
    // (a multiple of 500 changes), having lost nothing the bounded run did not write.
    const resumed = Number(finished?.changes);
    expect(resumed % 500).toBe(0);
    expect(resumed).toBeGreaterThanOrEqual(100_000 - Number(stopped?.changes));
    expect(resumed).toBeLessThanOrEqual(100_000);
    await expectEqual();
  });

  test('after CDC, a watermark run refuses to write under its rows, a CDC run to skip a table (exit 2)', async () => {
    const run = await extract(['--run-id', 'watermark-after']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/holds rows written by CDC mode/);
    // Nor may a CDC run leave a table of the slot out: its changes would be confirmed unread.
    const subset = await extract(['--mode', 'cdc', '--streams', 'impressions']);
    expect(subset.exitCode).toBe(2);
    expect(subset.stderr).toMatch(
      /keeps advertiser, campaign, impressions, clicks; this run selects impressions/,
    );
    await expectEqual();
  });

  test('a change ClickHouse cannot hold fails the batch (exit 2), nothing written, slot not moved; a new snapshot recovers', async () => {
    const before = await confirmedLsn();
    const count = async () => (await clickhouseRows(clickhousePath, 'impressions')).length;
    const rowsBefore = await count();
    await sql(
      postgres.url,
      "INSERT INTO clicks (campaign_id, created_at) VALUES (1, now()); INSERT INTO impressions (campaign_id, created_at) VALUES (1, '9999-12-31 00:00:00')",
    );
    const failed = await extract(['--mode', 'cdc', '--run-id', 'cdc-hostile']);
    expect(failed.exitCode, failed.stderr).toBe(2);
    expect(failed.stderr).toMatch(
      /impressions\.created_at = '9999-12-31 00:00:00' \(id \d+\) cannot be represented in ClickHouse/,
    );
    expect(failed.stderr).toMatch(/--cdc-slot drop, then --cdc-slot create/);
    expect(await confirmedLsn()).toBe(before);
    expect(await count()).toBe(rowsBefore);
    // Nothing of the batch: the click of the same batch is not written either.
    const written = await withClickHouse(clickhousePath, (query) =>
      query<{ n: string }>(
        "SELECT toString(count()) AS n FROM raw.postgres_clicks WHERE _run_id = 'cdc-hostile'",
      ),
    );
    expect(written).toEqual([{ n: '0' }]);
    // The fix the message gives: correct the value, then a new snapshot.
    await sql(
      postgres.url,
      "UPDATE impressions SET created_at = '2026-01-01' WHERE created_at > '2300-01-01'",
    );
    // The new snapshot copies the 100 k clicks of the bounded-run test: in large batches (at
    // this file's 50 rows a batch it took most of a minute), as small ones are tested above.
    for (const args of [
      ['--cdc-slot', 'drop'],
      ['--cdc-slot', 'create', '--batch-size', '20000'],
    ]) {
      const step = await extract(args);
      expect(step.exitCode, step.stderr).toBe(0);
    }
    await expectEqual();
  });

  test('status prints the slot and its lag; drop removes slot and publication', async () => {
    await sql(postgres.url, 'INSERT INTO clicks (campaign_id) VALUES (1)');
    const status = await extract(['--cdc-slot', 'status']);
    expect(status.exitCode, status.stderr).toBe(0);
    const lag = /lag ([\d,]+) bytes/.exec(status.stdout)?.[1];
    expect(Number(lag?.replaceAll(',', ''))).toBeGreaterThan(0);
    expect(status.stdout).toMatch(/slot "adtech_cdc" idle, confirmed [0-9A-F]+\/[0-9A-F]+/);
    expect(status.stdout).toMatch(/snapshot at/);

    const drop = await extract(['--cdc-slot', 'drop']);
    expect(drop.exitCode, drop.stderr).toBe(0);
    expect(await confirmedLsn()).toBeUndefined();
    const publications = await sql(postgres.url, 'SELECT count(*)::int AS n FROM pg_publication');
    expect(publications.rows[0]?.n).toBe(0);
    const after = await extract(['--mode', 'cdc']);
    expect(after.exitCode).toBe(2);
  });

  test('--help does no work', async () => {
    const help = await extract(['--help'], { PG_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/--cdc-slot <create\|status\|drop>/);
  });
});

describe('a PostgreSQL without wal_level = logical', () => {
  let replica: TestPostgres;
  beforeAll(async () => {
    replica = await startPostgres({ settings: { wal_level: 'replica' } });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  test('create and run exit 2 saying how to enable logical replication', async () => {
    for (const args of [
      ['--cdc-slot', 'create'],
      ['--mode', 'cdc'],
    ]) {
      const run = await runCli('extractors/cli.ts', ['postgres', ...args], {
        PG_URL: replica.url,
        CLICKHOUSE_PATH: clickhousePath,
        CLICKHOUSE_URL: undefined,
      });
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/CDC mode needs wal_level = logical; .* has wal_level = replica/);
      expect(run.stderr).toMatch(/ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL/);
      expect(run.stderr).not.toContain(replica.password);
    }
  });
});
