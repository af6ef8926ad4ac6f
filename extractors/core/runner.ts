import type { ClickHouseClient } from '@clickhouse/client';
import { describeError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, exitCodeOf } from './errors.js';
import { formatCount, type Logger, Progress, rowsPerSecond } from './logger.js';
import type { AnySource, AnyStream } from './source.js';
import { StateStore } from './state.js';
import { ClickHouseWriter, VersionClock } from './writer.js';

/**
 * Runs one source: for each account, open a session and run each stream. Per batch: insert,
 * then (only then) save the stream's next state. A failing account or stream is recorded and
 * the others go on; the exit code says whether anything failed.
 */

export interface StreamResult {
  stream: string;
  account: string;
  status: 'ok' | 'failed';
  rows: number;
  batches: number;
  durationMs: number;
  error?: string;
  exitCode: number;
}

export interface AccountResult {
  account: string;
  status: 'ok' | 'failed';
  streams: StreamResult[];
  /** Set when the account failed before its streams ran (e.g. bad credentials). */
  error?: string;
  exitCode: number;
}

export interface RunSummary {
  source: string;
  runId: string;
  accounts: AccountResult[];
  rows: number;
  durationMs: number;
  exitCode: number;
}

export interface RunHooks {
  /** Called after a batch is inserted and before its state is saved (crash-injection tests). */
  afterInsert?: (info: { stream: string; account: string; batch: number }) => void | Promise<void>;
}

/** How `runSource` runs one source (local/runner.ts's `DagRunOptions` run one DAG). */
export interface SourceRunOptions<Config> {
  source: AnySource;
  config: Config;
  clickhouse: ClickHouseClient;
  runId: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  hooks?: RunHooks;
  stateStore?: StateStore;
  progressIntervalMs?: number;
}

/**
 * `--init-only`: the raw tables of every stream the config selects, and the state table, created
 * as a load would create them (same DDL, nothing read from the source, nothing written into
 * them). Returns the tables, in stream order.
 */
export async function createTables<Config>(
  options: Pick<
    SourceRunOptions<Config>,
    'source' | 'config' | 'clickhouse' | 'log' | 'stateStore'
  >,
): Promise<string[]> {
  const writer = new ClickHouseWriter(options.clickhouse, options.log);
  const tables: string[] = [];
  for (const stream of options.source.streams(options.config)) {
    await writer.ensureTable(stream);
    tables.push(stream.table);
  }
  await (options.stateStore ?? new StateStore(options.clickhouse)).ensure();
  return tables;
}

export async function runSource<Config>(options: SourceRunOptions<Config>): Promise<RunSummary> {
  const { source, config, clickhouse, runId } = options;
  const name = source.contract.source;
  const log = options.log.child({ source: name, run_id: runId });
  const started = performance.now();
  const writer = new ClickHouseWriter(clickhouse, log);
  const stateStore = options.stateStore ?? new StateStore(clickhouse);
  const versions = new VersionClock();
  const accounts: AccountResult[] = [];

  for (const account of source.accounts(config)) {
    const accountLog = log.child({ account });
    let session: unknown;
    let prepared: PreparedStates = new Map();
    try {
      const opening = source.open(config, account, {
        log: accountLog,
        env: options.env ?? process.env,
      });
      // While the session opens, the streams known without one get their tables made ready and
      // their states read: a run's ClickHouse round trips overlap the source's connect.
      const [opened, states] = await Promise.all([
        opening.then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        prepareStreams(writer, stateStore, source.streams(config), { source: name, account }),
      ]);
      if (!opened.ok) throw opened.error;
      session = opened.value;
      prepared = states;
    } catch (error) {
      const message = describeError(error);
      accountLog.error(`account ${account} failed: ${message}`, { event: 'account_failed' });
      accounts.push({
        account,
        status: 'failed',
        streams: [],
        error: message,
        exitCode: exitCodeOf(error),
      });
      continue;
    }
    const streams: StreamResult[] = [];
    try {
      for (const stream of source.streams(config, session)) {
        streams.push(
          await runStream(stream, {
            session,
            account,
            source: name,
            runId,
            clickhouse,
            writer,
            stateStore,
            versions,
            prepared,
            log: accountLog.child({ stream: stream.name }),
            hooks: options.hooks,
            progressIntervalMs: options.progressIntervalMs,
          }),
        );
      }
    } finally {
      await source.close(session).catch((error: unknown) => {
        accountLog.warn(`closing the session failed: ${describeError(error)}`);
      });
    }
    const failed = streams.filter((s) => s.status === 'failed');
    accounts.push({
      account,
      status: failed.length > 0 ? 'failed' : 'ok',
      streams,
      exitCode: combineExitCodes(failed.map((s) => s.exitCode)),
    });
  }

  const rows = accounts.flatMap((a) => a.streams).reduce((sum, s) => sum + s.rows, 0);
  const exitCode = combineExitCodes(
    accounts.filter((a) => a.status === 'failed').map((a) => a.exitCode),
  );
  return {
    source: name,
    runId,
    accounts,
    rows,
    durationMs: Math.round(performance.now() - started),
    exitCode,
  };
}

/** Stored states read ahead, by stream name (`undefined`: none stored yet). */
type PreparedStates = Map<string, unknown>;

/**
 * The warm-up: each stream's table made ready and its stored state read, all at once. Never
 * rejects: a stream whose table or state failed here is absent from the result, and
 * `runStream` tries again and reports the failure there.
 */
async function prepareStreams(
  writer: ClickHouseWriter,
  stateStore: StateStore,
  streams: readonly AnyStream<unknown>[],
  key: { source: string; account: string },
): Promise<PreparedStates> {
  const prepared: PreparedStates = new Map();
  await Promise.all(
    streams.map(async (stream) => {
      try {
        const [, state] = await Promise.all([
          stream.columnsFromData ? undefined : writer.ensureTable(stream),
          stateStore.get({ ...key, stream: stream.name }),
        ]);
        prepared.set(stream.name, state);
      } catch {
        // Tried again by runStream.
      }
    }),
  );
  return prepared;
}

/**
 * 0 when nothing failed. A runtime failure (1) wins over configuration errors (2): Airflow
 * retries a 1, and the accounts that failed transiently deserve that retry.
 */
export function combineExitCodes(codes: readonly number[]): number {
  if (codes.length === 0) return EXIT_OK;
  return codes.some((code) => code !== EXIT_USAGE) ? EXIT_RUNTIME : EXIT_USAGE;
}

interface StreamRun {
  session: unknown;
  account: string;
  source: string;
  runId: string;
  clickhouse: ClickHouseClient;
  writer: ClickHouseWriter;
  stateStore: StateStore;
  versions: VersionClock;
  prepared: PreparedStates;
  log: Logger;
  hooks?: RunHooks;
  progressIntervalMs?: number;
}

async function runStream(stream: AnyStream<unknown>, run: StreamRun): Promise<StreamResult> {
  const key = { source: run.source, stream: stream.name, account: run.account };
  const progress = new Progress(run.log, stream.name, run.progressIntervalMs);
  let batches = 0;
  try {
    // A stream with columns from the data has its table made at its first batch (writer.insert).
    const [, stored] = run.prepared.has(stream.name)
      ? [undefined, run.prepared.get(stream.name)]
      : await Promise.all([
          stream.columnsFromData ? undefined : run.writer.ensureTable(stream),
          run.stateStore.get(key),
        ]);
    let state = stored ?? stream.initialState;
    let savedText = JSON.stringify(state);
    const batchesOfRows = stream.read({
      session: run.session,
      state,
      account: run.account,
      clickhouse: run.clickhouse,
      log: run.log,
    });
    for await (const batch of batchesOfRows) {
      const version = run.versions.next();
      const written = await run.writer.insert(stream, batch, {
        version,
        loadedAt: new Date(),
        runId: run.runId,
      });
      batches += 1;
      await run.hooks?.afterInsert?.({ stream: stream.name, account: run.account, batch: batches });
      state = stream.nextState(state, batch);
      const text = JSON.stringify(state);
      if (text !== savedText) {
        await run.stateStore.put(key, state, run.runId, version);
        savedText = text;
      }
      progress.add(written);
      run.log.debug(`batch ${batches}: ${written} rows`, { rows: written, state: text });
    }
    const durationMs = progress.elapsedMs();
    run.log.info(
      `${stream.name}: ${formatCount(progress.total)} rows in ${(durationMs / 1000).toFixed(1)}s ` +
        `(${formatCount(rowsPerSecond(progress.total, durationMs))} rows/s)`,
      { event: 'stream_done', rows: progress.total, duration_ms: durationMs, state: savedText },
    );
    return {
      stream: stream.name,
      account: run.account,
      status: 'ok',
      rows: progress.total,
      batches,
      durationMs,
      exitCode: EXIT_OK,
    };
  } catch (error) {
    const message = describeError(error);
    const durationMs = progress.elapsedMs();
    run.log.error(`${stream.name} failed after ${formatCount(progress.total)} rows: ${message}`, {
      event: 'stream_failed',
      rows: progress.total,
      duration_ms: durationMs,
    });
    return {
      stream: stream.name,
      account: run.account,
      status: 'failed',
      rows: progress.total,
      batches,
      durationMs,
      error: message,
      exitCode: exitCodeOf(error),
    };
  }
}

/** The one-line human summary printed at the end of a run. */
export function summaryLine(summary: RunSummary): string {
  const failed = summary.accounts.filter((a) => a.status === 'failed');
  const streams = summary.accounts.flatMap((a) => a.streams);
  const status = failed.length === 0 ? 'ok' : `FAILED (${failed.map((a) => a.account).join(', ')})`;
  return (
    `extract ${summary.source} ${status}: ${formatCount(summary.rows)} rows, ` +
    `${streams.length} stream run(s), ${summary.accounts.length} account(s), ` +
    `${(summary.durationMs / 1000).toFixed(1)}s, run ${summary.runId}, exit ${summary.exitCode}`
  );
}
