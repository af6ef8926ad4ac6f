import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { z } from 'zod';
import type { SourceContract } from './contract.js';
import type { Logger } from './logger.js';

/**
 * What a source is: its contract (flags, secrets, tables), a zod schema turning the parsed flag
 * values into its config, the accounts it runs for, how to open a session (its API client) per
 * account, and its streams. The runtime (`runner.ts`) does the rest: tables, batches, state,
 * per-account results, logs and exit codes. It retries nothing: only a source can tell a
 * transient error from a permanent one, so a source retries its own calls where that pays
 * (core/retry.ts) and otherwise fails the stream with exit 1 for Airflow to retry.
 */

/**
 * One unit the runtime writes and then advances state over.
 * - `rows`: plain objects keyed by column name; written as JSONEachRow.
 * - `encoded`: rows the source already has in a ClickHouse input format (e.g. PostgreSQL
 *   `COPY … TO STDOUT` text is TabSeparated), with the stream's columns in declaration order.
 *   Skips per-row JavaScript work; `cursor` carries what `nextState` needs (e.g. the max id).
 * - `select`: the rows never pass through this process (see below).
 */
export type Batch<Row> =
  | {
      readonly kind: 'rows';
      readonly rows: readonly Row[];
      /**
       * Streams whose columns come from the data (`columnsFromData`): every column these rows
       * may carry with its ClickHouse type, the stream's declared `columns` included or not.
       * The writer adds the ones the table lacks before inserting, and refuses a batch whose
       * type for an existing column differs (nothing is ever retyped). Other streams omit it.
       */
      readonly columns?: Readonly<Record<string, string>>;
      /** What `nextState` needs beyond the rows (e.g. a watermark reached), when anything. */
      readonly cursor?: string;
    }
  | {
      readonly kind: 'encoded';
      readonly format: 'TabSeparated';
      readonly data: string;
      readonly rowCount: number;
      readonly cursor: string;
    }
  | {
      /** A SELECT that ClickHouse itself runs (e.g. over the postgresql() table function), giving
       *  the stream's columns in declaration order; the runtime inserts its result. */
      readonly kind: 'select';
      readonly select: string;
      /** A predicate on the table's key that covers this batch's rows, to count them after. */
      readonly keyRange: string;
      readonly cursor: string;
      /** ClickHouse settings for the insert, e.g. the time zone the source's values read in. */
      readonly settings?: ClickHouseSettings;
      /** Must hold before any row of the batch is visible (e.g. every source value fits); runs
       *  while ClickHouse reads (writer.ts stages the rows), its failure is the batch's. */
      readonly precondition?: () => Promise<void>;
    };

export interface ReadContext<Session, State> {
  readonly session: Session;
  /** The state as saved by the last run (or the stream's initial state). Read-only. */
  readonly state: State;
  readonly account: string;
  /** For sources that compare with what is loaded (snapshot diffs). Never write through it. */
  readonly clickhouse: ClickHouseClient;
  readonly log: Logger;
}

export interface StreamDefinition<Session, State, Row> {
  /** Stream name as in the contract's `tables[].stream`. */
  readonly name: string;
  /** `database.table`, as in the contract's `tables[].table`. */
  readonly table: string;
  /** The natural key: ORDER BY of the ReplacingMergeTree. */
  readonly key: readonly string[];
  /** The column the state advances on, if any: documentation for readers of the stream; the
   *  runtime does not read it. */
  readonly cursor?: string;
  /** Source columns and their ClickHouse types, in table order. `_version`, `_loaded_at` and
   *  `_run_id` are added by the runtime. New entries are added to existing tables. */
  readonly columns: Readonly<Record<string, string>>;
  readonly partitionBy?: string;
  /**
   * The stream learns its columns from the data (a generic HTTP export): `columns` then holds
   * only what it knows up front, the runtime does not create the table before reading, and each
   * rows batch names its columns (`Batch.columns`); the writer creates the table at the first
   * such batch and adds columns as they appear. Absent: the table is made from `columns` first.
   */
  readonly columnsFromData?: boolean;
  /**
   * Whether a column stored as `current` holds every value of its `declared` type. Such a column
   * counts as declared: the table needs no DDL and gets no warning. The PostgreSQL source widens
   * its raw columns to what the source's catalog declares (postgres/raw-types.ts), on purpose.
   * Absent: only the declared type itself counts.
   */
  holdsDeclared?(current: string, declared: string): boolean;
  readonly initialState: State;
  /** Pure: the state after `batch` has been written. */
  nextState(state: State, batch: Batch<Row>): State;
  /** Bounded batches from the source, starting after `context.state`. */
  read(context: ReadContext<Session, State>): AsyncIterable<Batch<Row>>;
}

export interface OpenContext {
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
}

/** What a source's own command gets (see `SourceDefinition.command`). */
export interface CommandContext {
  readonly clickhouse: ClickHouseClient;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly runId: string;
}

export interface CommandResult {
  readonly exitCode: number;
  /** The one-line summary printed on stdout. */
  readonly line: string;
}

export interface SourceDefinition<Config, Session> {
  readonly contract: SourceContract;
  /** Input: the flag values keyed by kebab-case flag name (see flags.ts). */
  readonly config: z.ZodType<Config>;
  /** Accounts this run covers; each gets its own session, state and result. */
  accounts(config: Config): readonly string[];
  /** Connect for one account. Throw ConfigError for bad credentials, RuntimeFailure otherwise. */
  open(config: Config, account: string, context: OpenContext): Promise<Session>;
  close(session: Session): Promise<void>;
  /**
   * Optional: a run the stream runner does not fit, done by the source itself (PostgreSQL's CDC
   * mode: one change stream for every table, its position kept by the database). Returns the
   * result, or undefined when this config runs the streams as usual.
   */
  command?(config: Config, context: CommandContext): Promise<CommandResult | undefined>;
  /**
   * The streams of a run. The runtime passes the account's open session, so a source whose
   * streams are discovered from the platform (a manifest it serves) can list them; `--init-only`
   * calls it without one, before any session, and gets the streams known without the platform.
   */
  streams(config: Config, session?: Session): readonly AnyStream<Session>[];
}

// A source's streams differ in state and row types; the runtime only passes values between a
// stream's own methods, so those types are erased here.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyStream<Session> = StreamDefinition<Session, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: the registry holds sources of different configs
export type AnySource = SourceDefinition<any, any>;
