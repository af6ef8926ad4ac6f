import type pg from 'pg';
import { ConfigError, EXIT_OK, RuntimeFailure } from '../../core/errors.js';
import { formatCount, rowsPerSecond } from '../../core/logger.js';
import { registerSecret } from '../../core/redact.js';
import type { AnyStream, CommandContext, CommandResult } from '../../core/source.js';
import { StateStore } from '../../core/state.js';
import { ClickHouseWriter, VersionClock } from '../../core/writer.js';
import { connect, queryText, quoteIdent, translatePgError } from '../client.js';
import type { PgSession } from '../session.js';
import type { PostgresConfig } from '../source.js';
import { formatLsn, parseLsn } from './lsn.js';
import {
  checkPublication,
  checkSlot,
  checkTables,
  checkWalLevel,
  findSlot,
  type SlotRow,
} from './preflight.js';
import { connectReplication } from './replication.js';
import { loadSnapshot } from './snapshot.js';
import { streamChanges } from './stream.js';
import { type CdcTable, cdcTables } from './tables.js';

/**
 * `extract postgres --mode cdc` and `--cdc-slot create|status|drop`.
 *
 * The warehouse remembers which slot its snapshot came from (state row `postgres/cdc`), so a run
 * never streams from a slot whose snapshot it does not hold (made elsewhere, or a `create` that
 * died half-way): that would miss every row from before the slot.
 */

/** Test hook: `EXTRACT_CDC_CRASH_AFTER_WRITE=<n>` SIGKILLs the process after its n-th write of
 *  changes and before the slot is told, like a container killed at the worst moment. */
export const CDC_CRASH_ENV = 'EXTRACT_CDC_CRASH_AFTER_WRITE';

const STATE_KEY = { source: 'postgres', stream: 'cdc', account: 'default' } as const;

interface CdcState {
  slot: string;
  /** The slot's consistent point: the snapshot is as of this position. */
  consistentPoint: string;
  snapshotRows: number;
  /** The tables (streams) the snapshot holds and the slot's runs keep. */
  tables?: string[];
  createdAt: string;
  dropped?: boolean;
}

interface Run {
  cfg: PostgresConfig;
  tables: CdcTable[];
  ctx: CommandContext;
  client: pg.Client;
  store: StateStore;
}

export async function runCdc(
  cfg: PostgresConfig,
  streams: readonly AnyStream<PgSession>[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const client = await connect(ctx.env);
  registerSecret(client.password ?? undefined);
  const run: Run = {
    cfg,
    tables: cdcTables(streams),
    ctx,
    client,
    store: new StateStore(ctx.clickhouse),
  };
  try {
    switch (cfg.cdc.command) {
      case 'create':
        return await create(run);
      case 'status':
        return await status(run);
      case 'drop':
        return await drop(run);
      default:
        return await stream(run);
    }
  } finally {
    await client.end().catch(() => {});
  }
}

async function create(run: Run): Promise<CommandResult> {
  const { cfg, client, ctx } = run;
  const { slot, publication } = cfg.cdc;
  await checkWalLevel(client);
  const tables = await checkTables(client, cfg.schema, run.tables);
  if (await findSlot(client, slot)) {
    throw new ConfigError(
      `replication slot "${slot}" already exists. Fix: extract postgres --cdc-slot status to see it, --cdc-slot drop to start again, or choose another --cdc-slot-name`,
    );
  }
  const [existing] = await queryText(
    client,
    'SELECT 1 AS x FROM pg_publication WHERE pubname = $1',
    [publication],
  );
  if (!existing) {
    const list = tables.map((t) => `${quoteIdent(cfg.schema)}.${quoteIdent(t.name)}`).join(', ');
    await client
      .query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${list}`)
      .catch((error: unknown) => {
        throw translatePgError(error, `creating publication "${publication}"`);
      });
    ctx.log.info(`publication "${publication}" created for ${list}`);
  }
  await checkPublication(client, publication, cfg.schema, tables);

  const replication = await connectReplication(ctx.env);
  let created: { consistent_point: string; snapshot_name: string } | undefined;
  try {
    const [version] = await queryText(client, "SELECT current_setting('server_version_num') AS v");
    // PostgreSQL 15 introduced the option list; the bare keyword is the older spelling.
    const exportSnapshot = Number(version?.v) >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
    const result = await replication
      .query(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput ${exportSnapshot}`)
      .catch((error: unknown) => {
        throw translatePgError(error, `creating replication slot "${slot}"`);
      });
    created = result.rows[0] as { consistent_point: string; snapshot_name: string };
    const consistentPoint = parseLsn(created.consistent_point);
    ctx.log.info(`replication slot "${slot}" created at ${created.consistent_point}`);
    const writer = new ClickHouseWriter(ctx.clickhouse, ctx.log);
    // The exported snapshot lives while the replication connection stays idle: load it now.
    const rows = await loadSnapshot({
      client,
      snapshot: created.snapshot_name,
      consistentPoint,
      schema: cfg.schema,
      tables,
      batchSize: cfg.batchSize,
      writer,
      context: { clickhouse: ctx.clickhouse, runId: ctx.runId },
      log: ctx.log,
    });
    const state: CdcState = {
      slot,
      consistentPoint: created.consistent_point,
      snapshotRows: rows,
      tables: tables.map((table) => table.name),
      createdAt: new Date().toISOString(),
    };
    await run.store.put(STATE_KEY, state, ctx.runId, new VersionClock().next());
    return {
      exitCode: EXIT_OK,
      line: `extract postgres cdc: slot "${slot}" and publication "${publication}" ready at ${created.consistent_point}; snapshot of ${formatCount(rows)} rows written to ${tables.map((t) => t.table).join(', ')}`,
    };
  } catch (error) {
    // A slot without its snapshot is of no use (and holds WAL): remove it.
    if (created) {
      await replication.end().catch(() => {});
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
    }
    throw error;
  } finally {
    await replication.end().catch(() => {});
  }
}

async function status(run: Run): Promise<CommandResult> {
  const { cfg, client } = run;
  await checkSlot(client, cfg.cdc.slot);
  const lag = await slotLag(client, cfg.cdc.slot);
  const state = await run.store.get<CdcState>(STATE_KEY);
  const snapshot =
    state?.slot === cfg.cdc.slot && !state.dropped
      ? `snapshot at ${state.consistentPoint} (${formatCount(state.snapshotRows)} rows)`
      : 'NO snapshot of this slot in this warehouse';
  return {
    exitCode: EXIT_OK,
    line: `extract postgres cdc: slot "${cfg.cdc.slot}" ${lag.active ? `active (pid ${lag.pid})` : 'idle'}, confirmed ${lag.confirmed}, lag ${formatCount(lag.lagBytes)} bytes, WAL kept for it ${formatCount(lag.retainedBytes)} bytes (wal_status ${lag.walStatus}); ${snapshot}`,
  };
}

async function drop(run: Run): Promise<CommandResult> {
  const { cfg, client, ctx } = run;
  const { slot, publication } = cfg.cdc;
  const row = await findSlot(client, slot);
  if (row) {
    await waitInactive(client, slot, row);
    await client.query('SELECT pg_drop_replication_slot($1)', [slot]).catch((error: unknown) => {
      throw translatePgError(error, `dropping replication slot "${slot}"`);
    });
  }
  await client
    .query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`)
    .catch((error: unknown) => {
      throw translatePgError(error, `dropping publication "${publication}"`);
    });
  const state = await run.store.get<CdcState>(STATE_KEY);
  if (state && state.slot === slot && !state.dropped) {
    await run.store.put(
      STATE_KEY,
      { ...state, dropped: true },
      ctx.runId,
      new VersionClock().next(),
    );
  }
  return {
    exitCode: EXIT_OK,
    line: `extract postgres cdc: ${row ? `slot "${slot}" dropped` : `slot "${slot}" did not exist`}, publication "${publication}" dropped`,
  };
}

async function stream(run: Run): Promise<CommandResult> {
  const { cfg, client, ctx } = run;
  const { slot, publication } = cfg.cdc;
  await checkWalLevel(client);
  const tables = await checkTables(client, cfg.schema, run.tables);
  await checkPublication(client, publication, cfg.schema, tables);
  const row = await waitInactive(client, slot, await checkSlot(client, slot));
  const state = await run.store.get<CdcState>(STATE_KEY);
  if (!state || state.slot !== slot || state.dropped) {
    throw new ConfigError(
      `replication slot "${slot}" exists, but this warehouse holds no snapshot taken with it (the slot was made elsewhere, or its --cdc-slot create did not finish): streaming from it would miss every row from before it. Fix: extract postgres --cdc-slot drop, then extract postgres --cdc-slot create`,
    );
  }
  // Positions are confirmed for the whole slot: a table left out of a run loses its changes.
  const names = tables.map((table) => table.name).join(',');
  if (state.tables && state.tables.join(',') !== names) {
    throw new ConfigError(
      `replication slot "${slot}" keeps ${state.tables.join(', ')}; this run selects ${names} (--streams). Fix: run with --streams ${state.tables.join(',')}, or --cdc-slot drop then --cdc-slot create with the streams wanted`,
    );
  }
  const writer = new ClickHouseWriter(ctx.clickhouse, ctx.log);
  for (const table of tables) await writer.ensureTable(table.stream);
  const start = parseLsn(row.confirmed_flush_lsn ?? state.consistentPoint);
  const [current] = await queryText(client, 'SELECT pg_current_wal_lsn()::text AS lsn');
  const target = parseLsn(current?.lsn ?? '0/0');
  ctx.log.info(
    `cdc: streaming slot "${slot}" from ${formatLsn(start)} up to ${formatLsn(target)} (${target > start ? target - start : 0n} bytes) or ${cfg.cdc.maxSeconds}s`,
  );
  const crash = Number(ctx.env[CDC_CRASH_ENV] ?? '');
  const result = await streamChanges({
    env: ctx.env,
    schema: cfg.schema,
    publication,
    slot,
    tables,
    start,
    target,
    batchSize: cfg.batchSize,
    maxSeconds: cfg.cdc.maxSeconds,
    context: { clickhouse: ctx.clickhouse, runId: ctx.runId },
    log: ctx.log,
    crashAfterWrites: Number.isInteger(crash) && crash > 0 ? crash : undefined,
  });
  // The next run (or `status`) must find the slot released and the position recorded.
  await waitInactive(client, slot, undefined);
  const lag = await slotLag(client, slot);
  const rate = rowsPerSecond(result.changes, result.durationMs);
  const how = result.caughtUp
    ? `caught up to ${formatLsn(target)}`
    : `stopped after --cdc-max-seconds ${cfg.cdc.maxSeconds} before ${formatLsn(target)}`;
  ctx.log.info(`cdc: ${how}`, {
    event: 'cdc_done',
    changes: result.changes,
    rows: result.written,
    truncates: result.truncates,
    changes_per_s: rate,
    confirmed_lsn: lag.confirmed,
    lag_bytes: lag.lagBytes,
    caught_up: result.caughtUp,
    duration_ms: result.durationMs,
  });
  return {
    exitCode: EXIT_OK,
    line: `extract postgres cdc ok: ${formatCount(result.changes)} changes (${formatCount(result.written)} rows, ${result.truncates} truncates) in ${(result.durationMs / 1000).toFixed(1)}s (${formatCount(rate)} changes/s), ${how}; slot confirmed ${lag.confirmed}, lag ${formatCount(lag.lagBytes)} bytes, run ${ctx.runId}`,
  };
}

interface Lag {
  active: boolean;
  pid: string | null;
  confirmed: string;
  lagBytes: number;
  retainedBytes: number;
  walStatus: string;
}

/** Bytes of WAL between PostgreSQL's current position and what the slot confirmed. */
export async function slotLag(client: pg.Client, slot: string): Promise<Lag> {
  const [row] = await queryText(
    client,
    `SELECT active::text AS active, active_pid, confirmed_flush_lsn::text AS confirmed,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  if (!row) throw new RuntimeFailure(`replication slot "${slot}" vanished`);
  return {
    active: row.active === 'true',
    pid: row.active_pid ?? null,
    confirmed: row.confirmed ?? '?',
    lagBytes: Number(row.lag ?? 0),
    retainedBytes: Number(row.retained ?? 0),
    walStatus: row.wal_status ?? '?',
  };
}

/** A slot serves one connection at a time; the walsender of a run that just ended (or was
 *  killed) lets go within moments. */
async function waitInactive(
  client: pg.Client,
  slot: string,
  row: SlotRow | undefined,
): Promise<SlotRow> {
  let current = row;
  for (let waited = 0; ; waited += 200) {
    if (current && current.active !== 'true') return current;
    if (waited >= 15_000) {
      throw new RuntimeFailure(
        `replication slot "${slot}" is in use by PostgreSQL process ${current?.active_pid} (another run?)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    current = await findSlot(client, slot);
    if (!current) throw new ConfigError(`replication slot "${slot}" was dropped during the run`);
  }
}
