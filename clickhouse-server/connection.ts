/**
 * One chdb connection and the state ClickHouse's HTTP interface scopes per query. URL settings,
 * the `database` parameter and `param_*` values belong to one query, yet a chdb connection keeps
 * whatever was SET on it. So each connection remembers what it has applied on top of its own
 * baseline and, before the next query, emits only the difference as a `USE` / `SET` preamble in
 * the same engine call (no extra round trip when a client repeats its settings, as clients do).
 */
import type { ChdbResult, Session } from 'chdb';
import { quoteIdentifier, quoteString } from './statement.js';

export interface Job {
  /** The SQL to run (an INSERT already rewritten to read its data FROM INFILE). */
  readonly sql: string;
  /** The first keyword of `sql`, upper-cased. */
  readonly keyword: string;
  /** Output format when `sql` names none. */
  readonly format: string;
  /** The `database` URL parameter. */
  readonly database?: string;
  /** Settings from URL parameters, for this query only. */
  readonly settings: ReadonlyMap<string, string>;
  /** `param_<name>` values, as the client sent them (ClickHouse's escaped text form). */
  readonly params: ReadonlyMap<string, string>;
  /** For `USE db`, the database it switches to. */
  readonly useDatabase?: string;
}

/** Reads the settings a connection has changed from the server defaults. */
export async function changedSettings(session: Session): Promise<Map<string, string>> {
  const result = await session.queryAsync(
    "SELECT name, value FROM system.settings WHERE changed AND name NOT LIKE 'param\\_%'",
    { format: 'JSONCompactEachRow' },
  );
  const map = new Map<string, string>();
  for (const line of result.text().split('\n')) {
    if (!line) continue;
    const [name, value] = JSON.parse(line) as [string, string];
    map.set(name, value);
  }
  return map;
}

export class EngineConnection {
  /** The database the engine has current; undefined when unknown (after a failed call). */
  private current: string | undefined = 'default';
  /** The database queries without a `database` parameter use (a session's own `USE`). */
  private own = 'default';
  /** Settings applied on top of the baseline: name → value, null when unknown after a failure. */
  private readonly overrides = new Map<string, string | null>();

  constructor(
    readonly session: Session,
    /** What this connection's settings are between queries (changed from the defaults). */
    private baseline: Map<string, string>,
  ) {}

  async run(job: Job): Promise<ChdbResult> {
    const preamble: string[] = [];
    // A SET changes the connection's own settings: run it on the baseline, with no URL settings.
    const wanted = job.keyword === 'SET' ? new Map<string, string>() : job.settings;
    const sets = this.reconcile(wanted);
    const database = job.database ?? this.own;
    if (database !== this.current) preamble.push(`USE ${quoteIdentifier(database)}`);
    for (const [name, value] of job.params) sets.push(`param_${name} = ${quoteString(value)}`);
    if (sets.length > 0) preamble.push(`SET ${sets.join(', ')}`);
    const sql = preamble.length === 0 ? job.sql : `${preamble.join('; ')}; ${job.sql}`;
    const before = new Map(this.overrides);
    for (const [name, value] of wanted) this.overrides.set(name, value);
    for (const name of before.keys()) if (!wanted.has(name)) this.overrides.delete(name);
    this.current = database;
    try {
      const result = await this.session.queryAsync(sql, { format: job.format });
      if (job.keyword === 'USE' && job.useDatabase !== undefined) {
        this.own = job.useDatabase;
        this.current = job.useDatabase;
      }
      if (job.keyword === 'SET') this.baseline = await changedSettings(this.session);
      return result;
    } catch (error) {
      // Which part of the call took effect is unknown: restore everything next time.
      this.current = undefined;
      for (const name of [...before.keys(), ...wanted.keys()]) this.overrides.set(name, null);
      throw error;
    }
  }

  /** `name = value` assignments that turn the current overrides into `wanted`. */
  private reconcile(wanted: ReadonlyMap<string, string>): string[] {
    const sets: string[] = [];
    for (const name of this.overrides.keys()) {
      if (wanted.has(name)) continue;
      const base = this.baseline.get(name);
      sets.push(base === undefined ? `${name} = DEFAULT` : `${name} = ${quoteString(base)}`);
    }
    for (const [name, value] of wanted) {
      if (this.overrides.get(name) !== value) sets.push(`${name} = ${quoteString(value)}`);
    }
    return sets;
  }

  close(): void {
    this.session.close();
  }
}
