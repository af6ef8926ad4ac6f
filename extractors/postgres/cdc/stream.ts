import { LogicalReplicationService, type Pgoutput } from 'pg-logical-replication';
import { describeError, RuntimeFailure } from '../../core/errors.js';
import { formatCount, type Logger, rowsPerSecond } from '../../core/logger.js';
import { translatePgError } from '../client.js';
import { assertChangesRepresentable } from '../value-check.js';
import { ChangeBatch, ChangeDecoder } from './changes.js';
import { formatLsn, parseLsn } from './lsn.js';
import { replicationConfig, TextPgoutputPlugin } from './replication.js';
import type { CdcTable } from './tables.js';
import { tombstoneBelow, type WriteContext, writeRows } from './warehouse.js';

/**
 * One bounded CDC run: stream the slot's changes from its confirmed position until the stream
 * reaches `target` (PostgreSQL's WAL position when the run began) or `maxSeconds` pass, writing
 * them into the raw tables, and confirm a position to the slot only once everything before it is
 * written (insert-then-acknowledge). The library's automatic acknowledgement is off (it confirms
 * what was received, not what was written), and so is its periodic one (same reason); every
 * status update this module sends carries the last written position.
 *
 * Messages (changes and keepalives) go through one queue in arrival order, handled one at a
 * time; the socket is paused while the queue is long, so memory stays bounded.
 */

export interface StreamOptions {
  env: NodeJS.ProcessEnv;
  schema: string;
  publication: string;
  slot: string;
  tables: readonly CdcTable[];
  /** The slot's confirmed position when the run began: where the stream resumes. */
  start: bigint;
  /** Stop once the stream is past this position. */
  target: bigint;
  batchSize: number;
  maxSeconds: number;
  context: WriteContext;
  log: Logger;
  progressIntervalMs?: number;
  /** Test hook: SIGKILL this process after the n-th write, before its confirmation. */
  crashAfterWrites?: number;
}

export interface StreamResult {
  /** Row changes decoded (inserts, updates, deletes; a changed id counts twice). */
  changes: number;
  /** Rows written (changes collapsed per id within a batch, tombstones of truncates apart). */
  written: number;
  truncates: number;
  /** The position confirmed to the slot last. */
  confirmed: bigint;
  caughtUp: boolean;
  durationMs: number;
}

type Item =
  | { kind: 'data'; message: Pgoutput.Message }
  | { kind: 'keepalive'; lsn: bigint }
  | { kind: 'deadline' };

const QUEUE_HIGH = 5_000;
const QUEUE_LOW = 500;
/** How often an idle run asks the server where its WAL is (a keepalive answers). */
const PING_MS = 500;
/** Status updates at least this often (wal_sender_timeout is 60 s by default). */
const STATUS_MS = 10_000;

export async function streamChanges(options: StreamOptions): Promise<StreamResult> {
  return new Streamer(options).run();
}

class Streamer {
  private readonly service: LogicalReplicationService;
  private readonly decoder: ChangeDecoder;
  private readonly queue: Item[] = [];
  private working = false;
  private paused = false;
  private finished = false;
  private deadlinePassed = false;
  private confirmed: bigint;
  private written = 0;
  private writes = 0;
  private truncates = 0;
  private readonly started = performance.now();
  private settle: { resolve: (r: StreamResult) => void; reject: (e: unknown) => void } | undefined;

  constructor(private readonly o: StreamOptions) {
    this.confirmed = o.start;
    this.decoder = new ChangeDecoder(o.schema, o.tables, new ChangeBatch());
    this.service = new LogicalReplicationService(replicationConfig(o.env), {
      acknowledge: { auto: false, timeoutSeconds: 0 },
    });
  }

  run(): Promise<StreamResult> {
    const done = new Promise<StreamResult>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const { service, o } = this;
    service.on('data', (_lsn: string, message: Pgoutput.Message) => {
      this.enqueue({ kind: 'data', message });
    });
    service.on('heartbeat', (lsn: string, _time: number, shouldRespond: boolean) => {
      this.enqueue({ kind: 'keepalive', lsn: parseLsn(lsn) });
      // The server asks for a reply before wal_sender_timeout: the last written position.
      if (shouldRespond) this.sendStatus(false);
    });
    service.on('error', (error: Error) => this.fail(translatePgError(error, 'streaming changes')));
    const ping = setInterval(() => {
      if (this.queue.length === 0 && !this.working) this.sendStatus(true);
    }, PING_MS);
    // While a long write holds the socket paused, the server's reply requests go unread: a
    // status now and then keeps wal_sender_timeout from ending the connection.
    const alive = setInterval(() => this.sendStatus(false), STATUS_MS);
    const progress = setInterval(() => this.progress(), o.progressIntervalMs ?? 5_000);
    const deadline = setTimeout(() => {
      this.deadlinePassed = true;
      this.enqueue({ kind: 'deadline' });
    }, o.maxSeconds * 1000);
    service
      .subscribe(
        new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [o.publication] }),
        o.slot,
        formatLsn(o.start),
      )
      .catch((error: unknown) =>
        this.fail(translatePgError(error, `streaming from slot "${o.slot}"`)),
      );
    return done.finally(async () => {
      clearInterval(ping);
      clearInterval(alive);
      clearInterval(progress);
      clearTimeout(deadline);
      await service.destroy().catch(() => {});
    });
  }

  private enqueue(item: Item): void {
    if (this.finished) return;
    this.queue.push(item);
    if (this.queue.length > QUEUE_HIGH && !this.paused) this.flow(false);
    if (!this.working) void this.drain();
  }

  private async drain(): Promise<void> {
    this.working = true;
    try {
      for (let item = this.queue.shift(); item && !this.finished; item = this.queue.shift()) {
        if (this.paused && this.queue.length < QUEUE_LOW) this.flow(true);
        // The time bound wins over a long queue: stop now, confirming whole transactions only.
        await this.handle(this.deadlinePassed ? { kind: 'deadline' } : item);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.working = false;
    }
  }

  private async handle(item: Item): Promise<void> {
    const { decoder, o } = this;
    if (item.kind === 'deadline') return this.finish(false);
    if (item.kind === 'keepalive') {
      // Everything before a keepalive has been handled; between transactions, nothing before
      // its position is left unwritten once the batch is.
      if (decoder.inTransaction) return;
      await this.write(item.lsn);
      if (item.lsn >= o.target) await this.finish(true);
      return;
    }
    const action = decoder.apply(item.message);
    if (action) {
      // The tombstones read ClickHouse's rows as they stand: write what came before first.
      await this.write(undefined);
      for (const table of action.tables) await tombstoneBelow(o.context, table, action.version);
      this.truncates += 1;
    }
    if (decoder.batch.size >= o.batchSize) await this.write(undefined);
    if (item.message.tag === 'commit' && (decoder.committedEnd ?? 0n) >= o.target) {
      await this.finish(true);
    }
  }

  /** Writes the batch, then confirms the last commit it covers (or `idle`, a position between
   *  transactions with nothing before it unwritten). */
  private async write(idle: bigint | undefined): Promise<void> {
    const committed = this.decoder.committedEnd;
    const taken = this.decoder.batch.take();
    const began = performance.now();
    // Every value must fit before any table of the batch is written (value-check.ts).
    for (const table of this.o.tables) {
      const pending = taken.get(table.name);
      if (!pending?.length) continue;
      if (table.types.length === 0) throw new Error(`${table.name}: column types not read`);
      assertChangesRepresentable(table.name, table.types, pending);
    }
    let rows = 0;
    for (const table of this.o.tables) {
      const pending = taken.get(table.name);
      if (pending?.length) rows += await writeRows(this.o.context, table, pending);
    }
    if (taken.size > 0) {
      this.o.log.debug(`cdc: wrote ${rows} rows in ${Math.round(performance.now() - began)} ms`, {
        rows,
        queued: this.queue.length,
      });
      this.written += rows;
      this.writes += 1;
      if (this.writes === this.o.crashAfterWrites) process.kill(process.pid, 'SIGKILL');
    }
    const position = max(committed, idle);
    if (position !== undefined && position > this.confirmed) {
      this.confirmed = position;
      this.sendStatus(false);
    }
  }

  private async finish(caughtUp: boolean): Promise<void> {
    if (this.finished) return;
    // A run stopped mid-transaction writes what it has but confirms only whole transactions:
    // the next run replays the rest at the same versions.
    await this.write(undefined);
    this.sendStatus(false);
    this.finished = true;
    this.settle?.resolve({
      changes: this.decoder.changes,
      written: this.written,
      truncates: this.truncates,
      confirmed: this.confirmed,
      caughtUp,
      durationMs: Math.round(performance.now() - this.started),
    });
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.settle?.reject(
      error instanceof Error && 'exitCode' in error
        ? error
        : new RuntimeFailure(`CDC stream failed: ${describeError(error)}`, { cause: error }),
    );
  }

  /** A standby status update: written and flushed up to the confirmed position. The library
   *  reports `lsn + 1`, so it is given the byte before. */
  private sendStatus(ping: boolean): void {
    if (this.confirmed === 0n) return;
    this.service.acknowledge(formatLsn(this.confirmed - 1n), ping).catch(() => {});
  }

  private flow(on: boolean): void {
    // The library keeps its connection private; its own flow control pauses the same stream.
    const internals = this.service as unknown as {
      _connection?: { stream?: { pause?: () => void; resume?: () => void } };
    };
    const stream = internals._connection?.stream;
    if (on) stream?.resume?.();
    else stream?.pause?.();
    this.paused = !on;
  }

  private progress(): void {
    const elapsed = performance.now() - this.started;
    const changes = this.decoder.changes;
    const behind = this.o.target > this.confirmed ? this.o.target - this.confirmed : 0n;
    this.o.log.info(
      `cdc: ${formatCount(changes)} changes, ${formatCount(rowsPerSecond(changes, elapsed))} changes/s, confirmed ${formatLsn(this.confirmed)}, ${behind} bytes before the run's target ${formatLsn(this.o.target)}`,
      {
        event: 'progress',
        changes,
        rows: this.written,
        confirmed_lsn: formatLsn(this.confirmed),
        behind_bytes: Number(behind),
      },
    );
  }
}

function max(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
