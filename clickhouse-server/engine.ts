/**
 * The embedded engine behind the HTTP front: chdb connections on one data folder. Sessionless
 * queries share a pool; each `session_id` gets its own connection (temporary tables and SETs are
 * per connection), its queries run one after another, and it closes after `session_timeout`
 * seconds idle. Every engine call goes through one JobQueue, which bounds the work.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ChdbResult, Session } from 'chdb';
import { changedSettings, EngineConnection, type Job } from './connection.js';
import { ClickHouseHttpError, ErrorCode } from './errors.js';
import { JobQueue } from './queue.js';
import { quoteString } from './statement.js';

export interface EngineOptions {
  /** Data folder. */
  readonly path: string;
  /** Engine calls running at once (also the size of the sessionless pool). */
  readonly concurrency: number;
  /** Calls allowed to wait for a slot; more fail with TOO_MANY_SIMULTANEOUS_QUERIES. */
  readonly maxQueued: number;
  /** Longest wait for a slot, ms. */
  readonly queueTimeoutMs: number;
  /** `max_execution_time` (seconds) on every connection; 0 for none. */
  readonly queryTimeoutSeconds: number;
  /** Most sessions open at once. */
  readonly maxSessions: number;
  /** Folder for request bodies on their way into the engine. */
  readonly tempDir: string;
  /** A ClickHouse server configuration file (XML/YAML) for the engine, e.g. named collections. */
  readonly configFile?: string;
}

export interface ServerInfo {
  readonly version: string;
  readonly timezone: string;
  readonly displayName: string;
}

interface SessionEntry {
  readonly connection: Promise<EngineConnection>;
  /** The tail of this session's queue of queries. */
  tail: Promise<unknown>;
  pending: number;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

export class Engine {
  private readonly queue: JobQueue;
  private readonly idle: EngineConnection[] = [];
  private readonly sessions = new Map<string, SessionEntry>();
  private settingNames = new Set<string>();
  private closed = false;
  info: ServerInfo = { version: '', timezone: 'UTC', displayName: 'chdb' };

  constructor(private readonly options: EngineOptions) {
    this.queue = new JobQueue(options.concurrency, options.maxQueued, options.queueTimeoutMs);
  }

  async open(): Promise<void> {
    for (let i = 0; i < this.options.concurrency; i++) this.idle.push(await this.connect());
    const session = this.idle[0]!.session;
    const names = await session.queryAsync('SELECT name FROM system.settings', { format: 'TSV' });
    this.settingNames = new Set(names.text().split('\n').filter(Boolean));
    const info = await session.queryAsync('SELECT version(), timezone(), displayName()', {
      format: 'JSONCompactEachRow',
    });
    const [version, timezone, displayName] = JSON.parse(info.text()) as string[];
    this.info = { version: version!, timezone: timezone!, displayName: displayName! };
  }

  /** Whether `name` is a setting the engine knows (or a user-defined `custom_` one). */
  isSetting(name: string): boolean {
    return this.settingNames.has(name) || name.startsWith('custom_');
  }

  hasSession(id: string): boolean {
    return this.sessions.has(id);
  }

  /** Runs a job on the session's connection (in its order) or on a pooled one. */
  execute(job: Job, session?: { id: string; timeoutSeconds: number }): Promise<ChdbResult> {
    if (this.closed) {
      return Promise.reject(
        new ClickHouseHttpError(ErrorCode.NETWORK_ERROR, 'Server is shutting down'),
      );
    }
    if (!session) return this.queue.run(() => this.onPooled((c) => c.run(job)));
    const entry = this.sessionEntry(session.id);
    entry.timeoutMs = session.timeoutSeconds * 1000;
    entry.pending++;
    clearTimeout(entry.timer);
    const result = entry.tail
      .then(() => entry.connection)
      .then((connection) => this.queue.run(() => connection.run(job)));
    entry.tail = result.catch(() => undefined);
    void entry.tail.then(() => {
      entry.pending--;
      if (entry.pending === 0) this.scheduleExpiry(session.id, entry);
    });
    return result;
  }

  /**
   * Decodes a body compressed with lz4 or zstd, which Node 20 cannot read: the engine reads the
   * file with that compression and returns its bytes.
   */
  async decode(body: Buffer, encoding: 'lz4' | 'zstd', fileStem: string): Promise<Buffer> {
    const file = path.join(this.options.tempDir, `${fileStem}.${encoding}`);
    await writeFile(file, body);
    const sql = `SELECT raw FROM file(${quoteString(file)}, 'RawBLOB', 'raw String', ${quoteString(encoding)})`;
    const result = await this.queue.run(() =>
      this.onPooled((c) => c.session.queryAsync(sql, { format: 'RawBLOB' })),
    );
    const bytes = result.bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Waits for every queued and running job, then closes all connections. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.values()].map((s) => s.tail));
    while (this.queue.size > 0) await new Promise((r) => setTimeout(r, 10));
    for (const [id, entry] of this.sessions) {
      clearTimeout(entry.timer);
      this.sessions.delete(id);
      await entry.connection.then(
        (c) => c.close(),
        () => undefined,
      );
    }
    for (const connection of this.idle.splice(0)) connection.close();
  }

  private async connect(): Promise<EngineConnection> {
    // One engine per process: the configuration file takes effect with the first session.
    const session = new Session(
      this.options.path,
      this.options.configFile
        ? { connectionArgs: [`--config-file=${this.options.configFile}`] }
        : undefined,
    );
    // A ClickHouse server quotes 64-bit integers in JSON formats by default (JavaScript cannot
    // hold them exactly); the embedded engine does not. Clients expect the server's behaviour.
    await session.queryAsync('SET output_format_json_quote_64bit_integers = 1');
    if (this.options.queryTimeoutSeconds > 0) {
      await session.queryAsync(`SET max_execution_time = ${this.options.queryTimeoutSeconds}`);
    }
    return new EngineConnection(session, await changedSettings(session));
  }

  /** Borrows a pooled connection; the queue's slot guarantees one is idle. */
  private async onPooled<T>(work: (c: EngineConnection) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await this.connect());
    try {
      return await work(connection);
    } finally {
      this.idle.push(connection);
    }
  }

  private sessionEntry(id: string): SessionEntry {
    const existing = this.sessions.get(id);
    if (existing) return existing;
    if (this.sessions.size >= this.options.maxSessions) {
      throw new ClickHouseHttpError(
        ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
        `Too many open sessions (${this.sessions.size}); close some or wait for them to expire`,
      );
    }
    const connection = this.connect();
    // A failed connect surfaces through the session's first query; never as unhandled.
    connection.catch(() => undefined);
    const entry: SessionEntry = { connection, tail: connection, pending: 0, timeoutMs: 60_000 };
    this.sessions.set(id, entry);
    return entry;
  }

  private scheduleExpiry(id: string, entry: SessionEntry): void {
    entry.timer = setTimeout(() => {
      if (entry.pending > 0 || this.sessions.get(id) !== entry) return;
      this.sessions.delete(id);
      void entry.connection.then(
        (c) => c.close(),
        () => undefined,
      );
    }, entry.timeoutMs);
    entry.timer.unref();
  }
}
