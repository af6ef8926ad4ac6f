import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';
import type { AnyStream, Batch, ReadContext, StreamDefinition } from '../core/source.js';
import { qualified, quoteString } from '../core/writer.js';
import {
  checkTable,
  copyOut,
  type PullTarget,
  queryText,
  quoteIdent,
  type TextRow,
} from './client.js';

/**
 * The four OLTP streams.
 *
 * impressions, clicks (append-only, large): incremental on `id`, never on `created_at` (the
 * generator back-dates it). Rows come through `COPY … TO STDOUT`, whose text format is
 * ClickHouse's TabSeparated, in `--batch-size` slices (bounded memory). Ids at or below the
 * watermark are compared with PostgreSQL only when something points at a change (`planCheck`):
 * deletions or TRUNCATE seen in the table's statistics, writers of an earlier run that have
 * since ended (late commits), or a full check falling due. A comparison is one count+sum(id)
 * per side, ClickHouse's side kept in the state from what was written; only when they differ
 * are id buckets compared, and within a differing bucket ids gone from PostgreSQL get a
 * tombstone and ids ClickHouse lacks are loaded.
 *
 * advertiser, campaign (small, mutable, `updated_at` not kept by a trigger): each run compares
 * the full PostgreSQL snapshot with the live rows in ClickHouse and writes only new or changed
 * rows, plus a tombstone (`_deleted = 1`, last known values, higher `_version`) for each row gone
 * from PostgreSQL. Tombstones instead of deletes: the warehouse keeps what existed, readers
 * exclude `_deleted = 1`, and the change is an ordinary insert that re-runs converge on.
 */

export interface PgSession {
  client: pg.Client;
  schema: string;
  batchSize: number;
  /** Set with `--transfer clickhouse-pull`. */
  pull?: PullTarget;
  /** Longest time between two full deletion checks of the id streams. */
  fullCheckHours: number;
}

const TIMESTAMP = "DateTime64(6, 'UTC')";

type Columns = Readonly<Record<string, string>>;
type OutRow = Record<string, string | number | null>;

const ADVERTISER_COLUMNS: Columns = {
  id: 'Int64',
  name: 'String',
  updated_at: `Nullable(${TIMESTAMP})`,
  created_at: TIMESTAMP,
  _deleted: 'UInt8',
};

const CAMPAIGN_COLUMNS: Columns = {
  id: 'Int64',
  name: 'String',
  bid: 'Decimal(10, 2)',
  budget: 'Decimal(12, 2)',
  start_date: 'Date32',
  end_date: 'Date32',
  advertiser_id: 'Int64',
  updated_at: `Nullable(${TIMESTAMP})`,
  created_at: TIMESTAMP,
  _deleted: 'UInt8',
};

const EVENT_COLUMNS: Columns = {
  id: 'Int64',
  campaign_id: 'Int64',
  created_at: TIMESTAMP,
  _deleted: 'UInt8',
};

function sourceColumns(columns: Columns): string[] {
  return Object.keys(columns).filter((column) => column !== '_deleted');
}

/** Live (deduplicated, not deleted) rows of a raw table, every value as text. */
async function liveRows(
  clickhouse: ClickHouseClient,
  table: string,
  columns: Columns,
  where = '1',
): Promise<TextRow[]> {
  const result = await clickhouse.query({
    query: `SELECT ${sourceColumns(columns).join(', ')} FROM ${qualified(table)} FINAL WHERE _deleted = 0 AND (${where}) ORDER BY id`,
    format: 'JSONEachRow',
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 1,
      output_format_json_quote_decimals: 1,
      output_format_decimal_trailing_zeros: 1,
    },
  });
  return result.json<TextRow>();
}

/** One spelling per value, so PostgreSQL text and ClickHouse text compare equal. */
export function canonical(type: string, value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (type.includes('DateTime64')) {
    const [whole, fraction = ''] = text.replace('T', ' ').replace(/Z$/, '').split('.');
    return `${whole}.${fraction.padEnd(6, '0').slice(0, 6)}`;
  }
  if (type.startsWith('Decimal')) {
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }
  return text;
}

function sameRow(columns: Columns, a: TextRow, b: TextRow): boolean {
  return sourceColumns(columns).every(
    (column) =>
      canonical(columns[column] as string, a[column]) ===
      canonical(columns[column] as string, b[column]),
  );
}

function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function snapshotStream(
  name: 'advertiser' | 'campaign',
  columns: Columns,
): StreamDefinition<PgSession, null, OutRow> {
  const table = `raw.postgres_${name}`;
  return {
    name,
    table,
    key: ['id'],
    columns,
    initialState: null,
    nextState: (state) => state,
    async *read({ session, clickhouse, log }: ReadContext<PgSession, null>) {
      const { client, schema, batchSize } = session;
      await checkTable(client, schema, name, sourceColumns(columns));
      const current = await queryText(
        client,
        `SELECT ${sourceColumns(columns).map(quoteIdent).join(', ')} FROM ${quoteIdent(schema)}.${quoteIdent(name)} ORDER BY id`,
      );
      const loaded = new Map((await liveRows(clickhouse, table, columns)).map((r) => [r.id, r]));
      const changes: OutRow[] = [];
      let changed = 0;
      for (const row of current) {
        const before = loaded.get(row.id);
        loaded.delete(row.id);
        if (before && sameRow(columns, before, row)) continue;
        changed += 1;
        changes.push({ ...row, _deleted: 0 });
      }
      // What is left in `loaded` no longer exists in PostgreSQL.
      for (const gone of loaded.values()) changes.push({ ...gone, _deleted: 1 });
      log.info(
        `${name}: ${current.length} rows in PostgreSQL, ${changed} new or changed, ${loaded.size} deleted`,
        { rows: changes.length },
      );
      for (const rows of slices(changes, batchSize)) yield { kind: 'rows', rows };
    },
  };
}

/** Live rows in an id range: how many, and the sum of their ids (decimal text, exact). */
export interface Totals {
  count: string;
  sum: string;
}

/** What tells, without reading the table, that rows may have been deleted since a check. */
export interface TableMarks {
  /** pg_stat_user_tables.n_tup_del: counts every DELETE (even rolled back), reset only by a
   *  statistics reset or a crash, either of which also makes it differ. */
  deleted: string;
  /** The table's file node: TRUNCATE, which does not count deletions, changes it. */
  filenode: string;
}

export interface IdState {
  /** Highest id loaded, as decimal text (BIGSERIAL exceeds 2^53 in principle). */
  lastId: string;
  /** Live rows ≤ lastId as written to ClickHouse, summed from what each batch wrote, so the
   *  deletion check needs no ClickHouse scan. Absent while unknown (state of an older version,
   *  rows ClickHouse pulled itself and not yet counted, a reconciliation under way): the next
   *  check then counts them in ClickHouse. */
  live?: Totals;
  /** The table's marks when the last full check began, and when that was. */
  checked?: TableMarks & { at: string };
  /** Ids above `since` that transactions writing when a run began (`writers`, virtual
   *  transaction ids) may still commit below the watermark; checked once they have all ended. */
  pending?: { since: string; writers: string[] };
}

/** A change to IdState carried in a batch's cursor (JSON); `null` removes a field. */
export interface IdCursor {
  lastId?: string;
  live?: Totals | null;
  checked?: IdState['checked'] | null;
  pending?: IdState['pending'] | null;
}

function maxId(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

function addTotals(a: Totals, b: Totals, sign: 1n | -1n = 1n): Totals {
  return {
    count: String(BigInt(a.count) + sign * BigInt(b.count)),
    sum: String(BigInt(a.sum) + sign * BigInt(b.sum)),
  };
}

/** Fixed key order, no undefined fields: equal states have equal JSON (the runner saves a state
 *  only when its JSON changes). */
function idState(state: IdState): IdState {
  return {
    lastId: state.lastId,
    ...(state.live && { live: { count: state.live.count, sum: state.live.sum } }),
    ...(state.checked && {
      checked: {
        deleted: state.checked.deleted,
        filenode: state.checked.filenode,
        at: state.checked.at,
      },
    }),
    ...(state.pending && {
      pending: { since: state.pending.since, writers: [...state.pending.writers] },
    }),
  };
}

/** Applies a cursor to a state (pure). */
export function applyCursor(state: IdState, patch: IdCursor): IdState {
  const merged: IdState = { ...state };
  if (patch.lastId !== undefined) merged.lastId = maxId(state.lastId, patch.lastId);
  for (const field of ['live', 'checked', 'pending'] as const) {
    const value = patch[field];
    if (value === null) delete merged[field];
    // biome-ignore lint/suspicious/noExplicitAny: field and value belong together by construction
    else if (value !== undefined) (merged as any)[field] = value;
  }
  return idState(merged);
}

/** Number of lines and the first field of the last line of COPY text output. */
export function describeCopyText(text: string): { rowCount: number; lastKey: string } {
  let rowCount = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rowCount += 1;
  const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const lastKey = text.slice(lastLineStart, text.indexOf('\t', lastLineStart));
  return { rowCount, lastKey };
}

/** Count and id sum of COPY text whose first field is the id. Digits are summed as doubles
 *  while exact (below 2^53) and folded into a BigInt from time to time: one pass, no per-row
 *  allocation. */
export function copyTotals(text: string): Totals {
  let count = 0;
  let sum = 0n;
  let partial = 0;
  for (let start = 0; start < text.length; ) {
    let id = 0;
    let end = start;
    let code = text.charCodeAt(end);
    while (code >= 48 && code <= 57) {
      id = id * 10 + (code - 48);
      code = text.charCodeAt(++end);
    }
    if (end - start > 15 || code !== 9) {
      // Not a short unsigned integer: exact but slow.
      sum += BigInt(text.slice(start, text.indexOf('\t', start)));
    } else {
      partial += id;
      if (partial > 2 ** 52) {
        sum += BigInt(partial);
        partial = 0;
      }
    }
    count += 1;
    const newline = text.indexOf('\n', end);
    if (newline === -1) break;
    start = newline + 1;
  }
  return { count: String(count), sum: String(sum + BigInt(partial)) };
}

/**
 * The state after a batch has been written. New rows (COPY text) add their count and id sum to
 * `live`; rows ClickHouse pulled itself leave `live` unknown until the checkpoint that follows
 * them; reconciliation rows change nothing (the checkpoint before them clears `live`, the one
 * after sets it). Checkpoints are COPY batches without rows.
 */
export function nextIdState(state: IdState, batch: Batch<OutRow>): IdState {
  if (batch.kind === 'rows') return state;
  const patch = JSON.parse(batch.cursor) as IdCursor;
  const grown =
    batch.kind === 'encoded' && batch.rowCount > 0 && state.live
      ? { ...state, live: addTotals(state.live, copyTotals(batch.data)) }
      : state;
  return applyCursor(grown, patch);
}

function checkpoint(patch: IdCursor): Batch<OutRow> {
  return {
    kind: 'encoded',
    format: 'TabSeparated',
    data: '',
    rowCount: 0,
    cursor: JSON.stringify(patch),
  };
}

function appendStream(
  name: 'impressions' | 'clicks',
): StreamDefinition<PgSession, IdState, OutRow> {
  const table = `raw.postgres_${name}`;
  const columns = EVENT_COLUMNS;
  const pgColumns = sourceColumns(columns).map(quoteIdent).join(', ');
  return {
    name,
    table,
    key: ['id'],
    cursor: 'id',
    columns,
    initialState: { lastId: '0', live: { count: '0', sum: '0' } },
    nextState: nextIdState,
    async *read(context: ReadContext<PgSession, IdState>) {
      const { client, schema, batchSize } = context.session;
      await checkTable(client, schema, name, sourceColumns(columns));
      const from = `${quoteIdent(schema)}.${quoteIdent(name)}`;
      const state = idState(context.state);
      const last = BigInt(state.lastId);
      // The order matters: the marks before any comparison (a deletion after it shows next
      // run); the top id before the writers (see `activeWriters`).
      const marks = await tableMarks(client, schema, name);
      const [top] = await queryText(client, `SELECT max(id) AS max FROM ${from}`);
      const writers = await activeWriters(client, from);
      const now = new Date().toISOString();

      const patch: IdCursor = {};
      let live = state.live;
      if (last === 0n) {
        // The first load reads everything: as good as a full check.
        patch.checked = marks ? { ...marks, at: now } : null;
      } else {
        const plan = planCheck(state, marks, writers, context.session.fullCheckHours, now);
        context.log.debug(`${name}: ${plan.range ? `check of ids ${plan.range}` : 'no check'}`, {
          check: plan.kind,
          ...(plan.kind === 'full' && { reason: plan.reason }),
        });
        if (plan.kind === 'full') {
          const expected = plan.reason === 'deletions' ? state.live : undefined;
          live = (yield* reconcile(context, name, table, from, 0n, last, expected)).after;
          patch.live = live;
          patch.checked = marks ? { ...marks, at: now } : null;
        } else if (plan.kind === 'pending' && state.pending) {
          const since = BigInt(state.pending.since);
          const found = yield* reconcile(context, name, table, from, since, last, undefined);
          live = live && addTotals(addTotals(live, found.before, -1n), found.after);
          patch.live = live ?? null;
        }
      }
      const pending = nextPending(state, writers);
      patch.pending = pending ?? null;
      if (JSON.stringify(applyCursor(state, patch)) !== JSON.stringify(state)) {
        yield checkpoint(patch);
      }

      // New ids, up to the highest id at the start so the run ends under constant inserts.
      if (!top?.max || BigInt(top.max) <= last) return;
      const upper = BigInt(top.max);
      if (context.session.pull) {
        for (const batch of pullRanges(
          context.session.pull,
          schema,
          name,
          last,
          upper,
          batchSize,
        )) {
          yield batch.select;
          // Written: count what arrived, so `live` is known again.
          const arrived = await clickhouseTotals(context.clickhouse, table, batch.range);
          live = live && addTotals(live, arrived);
          yield checkpoint({ live: live ?? null });
        }
        return;
      }
      const fetchAfter = (after: bigint) =>
        copyOut(
          client,
          `SELECT ${pgColumns}, 0 FROM ${from} WHERE id > ${after} AND id <= ${upper} ORDER BY id LIMIT ${batchSize}`,
        );
      // One slice is read ahead while the previous one is written.
      let pendingRead: Promise<string> | undefined = fetchAfter(last);
      try {
        while (pendingRead) {
          const data = await pendingRead;
          pendingRead = undefined;
          const { rowCount, lastKey } = describeCopyText(data);
          if (rowCount === 0) break;
          if (rowCount === batchSize && BigInt(lastKey) < upper) {
            pendingRead = fetchAfter(BigInt(lastKey));
          }
          const cursor: IdCursor = { lastId: lastKey };
          yield {
            kind: 'encoded',
            format: 'TabSeparated',
            data,
            rowCount,
            cursor: JSON.stringify(cursor),
          };
        }
      } finally {
        // The consumer stopped early (a failed insert): let the read-ahead settle quietly.
        await pendingRead?.catch(() => {});
      }
    },
  };
}

type CheckPlan =
  | { kind: 'none'; range?: undefined }
  | { kind: 'pending'; range: string }
  | { kind: 'full'; range: string; reason: 'deletions' | 'due' | 'unknown' };

/**
 * Which ids at or below the watermark to compare with PostgreSQL this run:
 * - all of them (`full`) when rows may have been deleted (the table's marks moved), when
 *   nothing tells (no statistics, no totals: `unknown`) or when the last full check is older
 *   than `--full-check-hours` (`due`: then ClickHouse is counted too, not taken from the state,
 *   so drift on the warehouse side shows as well);
 * - those above `pending.since` once the writers seen by earlier runs have all ended: a row they
 *   committed late is there now;
 * - none otherwise: the common incremental run reads no old rows at all.
 */
export function planCheck(
  state: IdState,
  marks: TableMarks | undefined,
  writers: readonly string[],
  fullCheckHours: number,
  now: string,
): CheckPlan {
  const { checked } = state;
  const range = `<= ${state.lastId}`;
  if (!state.live || !marks || !checked) return { kind: 'full', range, reason: 'unknown' };
  if (Date.parse(now) - Date.parse(checked.at) >= fullCheckHours * 3_600_000) {
    return { kind: 'full', range, reason: 'due' };
  }
  if (marks.deleted !== checked.deleted || marks.filenode !== checked.filenode) {
    return { kind: 'full', range, reason: 'deletions' };
  }
  if (state.pending && !state.pending.writers.some((writer) => writers.includes(writer))) {
    return { kind: 'pending', range: `in (${state.pending.since}, ${state.lastId}]` };
  }
  return { kind: 'none' };
}

/**
 * Writers now active keep a range open above the current watermark; writers of earlier runs
 * still active keep the earlier range open. Once those have ended the range was checked (see
 * `planCheck`) and only the current writers count.
 */
export function nextPending(
  state: IdState,
  writers: readonly string[],
): IdState['pending'] | undefined {
  const open = state.pending?.writers.some((writer) => writers.includes(writer));
  if (state.pending && open) return { since: state.pending.since, writers: [...writers] };
  return writers.length > 0 ? { since: state.lastId, writers: [...writers] } : undefined;
}

/** The table's marks, or undefined when PostgreSQL keeps no statistics (track_counts off). */
async function tableMarks(
  client: pg.Client,
  schema: string,
  name: string,
): Promise<TableMarks | undefined> {
  const [row] = await queryText(
    client,
    `SELECT s.n_tup_del AS deleted, pg_relation_filenode(c.oid) AS filenode,
            current_setting('track_counts') AS tracking
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  if (!row?.deleted || !row.filenode || row.tracking !== 'on') return undefined;
  return { deleted: row.deleted, filenode: row.filenode };
}

/**
 * Other transactions holding a write lock on the table now (virtual transaction ids, prepared
 * transactions included). BIGSERIAL ids are handed out in time order but committed in any
 * order: a row with an id below the top id read just before may still be uncommitted. Its
 * transaction took the lock before it took the id (INSERT locks the table before evaluating
 * the default), so it is in this list unless it has already ended, in which case its row is
 * visible to the reads that follow. Caveats: a sequence with CACHE > 1, or ids fetched with
 * nextval() in one statement and inserted in a later one, escape this; the periodic full
 * check catches what they leave.
 */
async function activeWriters(client: pg.Client, from: string): Promise<string[]> {
  const rows = await queryText(
    client,
    `SELECT DISTINCT virtualtransaction AS writer FROM pg_locks
      WHERE locktype = 'relation' AND relation = $1::regclass
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        AND pid IS DISTINCT FROM pg_backend_pid()
      ORDER BY 1`,
    [from],
  );
  return rows.map((row) => String(row.writer));
}

/**
 * `--transfer clickhouse-pull`: ClickHouse reads each id range from PostgreSQL itself, so rows
 * never pass through this process. Ranges are id spans of `batchSize`, and the state advances
 * to the end of each range once it is inserted. The timestamp is re-read as UTC text so the
 * server's own time zone cannot shift it.
 */
function* pullRanges(
  target: PullTarget,
  schema: string,
  table: string,
  last: bigint,
  upper: bigint,
  batchSize: number,
): Generator<{ select: Batch<OutRow>; range: IdRange }> {
  const source =
    `postgresql(${quoteString(target.hostPort)}, ${quoteString(target.database)}, ` +
    `${quoteString(table)}, ${quoteString(target.user)}, ${quoteString(target.password)}, ` +
    `${quoteString(schema)})`;
  for (let from = last; from < upper; from += BigInt(batchSize)) {
    const to = from + BigInt(batchSize) < upper ? from + BigInt(batchSize) : upper;
    const cursor: IdCursor = { lastId: String(to), live: null };
    yield {
      select: {
        kind: 'select',
        select:
          `SELECT id, campaign_id, toDateTime64(toString(created_at), 6, 'UTC'), toUInt8(0) ` +
          `FROM ${source} WHERE id > ${from} AND id <= ${to}`,
        keyRange: `id > ${from} AND id <= ${to}`,
        cursor: JSON.stringify(cursor),
      },
      range: { above: from, upTo: to },
    };
  }
}

/** Ids `above < id <= upTo`. */
interface IdRange {
  above: bigint;
  upTo: bigint;
}

/**
 * Makes ClickHouse's live ids in (above, upTo] equal PostgreSQL's: tombstones for ids PostgreSQL
 * no longer has (`generate reset`, deletes), rows for ids ClickHouse lacks (late commits). One
 * count+sum(id) per side first (ClickHouse's from `expected` when the state knows it); only when
 * they differ are id buckets compared, and only differing buckets read. Returns ClickHouse's
 * totals in the range before and after the repair.
 */
async function* reconcile(
  context: ReadContext<PgSession, IdState>,
  name: string,
  table: string,
  from: string,
  above: bigint,
  upTo: bigint,
  expected: Totals | undefined,
): AsyncGenerator<Batch<OutRow>, { before: Totals; after: Totals }> {
  const { client, batchSize } = context.session;
  const { clickhouse, log } = context;
  const columns = EVENT_COLUMNS;
  const range: IdRange = { above, upTo };
  const inRange = `id > ${above} AND id <= ${upTo}`;
  const started = performance.now();
  const timed = async <T>(work: Promise<T>): Promise<[T, number]> => [
    await work,
    Math.round(performance.now() - started),
  ];
  // Both sides at once: they run on different servers.
  const [[pgTotals, postgresMs], [chTotals, clickhouseMs]] = await Promise.all([
    timed(postgresTotals(client, from, inRange)),
    timed(expected ? Promise.resolve(expected) : clickhouseTotals(clickhouse, table, range)),
  ]);
  log.debug(`${name}: ids ${inRange} checked against PostgreSQL`, {
    postgres_ms: postgresMs,
    // Absent when ClickHouse's side came from the state.
    ...(!expected && { clickhouse_ms: clickhouseMs }),
    rows: Number(pgTotals.count),
  });
  if (sameTotals(pgTotals, chTotals)) return { before: chTotals, after: chTotals };

  // Rows are about to change below the watermark: `live` is unknown until the caller's
  // checkpoint sets it (a crash in between makes the next run count in ClickHouse).
  yield checkpoint({ live: null });
  const span = BigInt(batchSize);
  const pgBuckets = new Map(
    (
      await queryText(
        client,
        `SELECT id / ${span} AS bucket, count(*) AS count, sum(id) AS sum FROM ${from} WHERE ${inRange} GROUP BY 1`,
      )
    ).map((b) => [String(b.bucket), { count: String(b.count), sum: String(b.sum) }]),
  );
  const clickhouseBuckets = new Map(
    (await clickhouseBucketTotals(clickhouse, table, inRange, span)).map((b) => [b.bucket, b]),
  );
  const differing = [...new Set([...pgBuckets.keys(), ...clickhouseBuckets.keys()])]
    .filter((bucket) => !sameTotals(pgBuckets.get(bucket), clickhouseBuckets.get(bucket)))
    .map(BigInt)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let tombstones = 0;
  let late = 0;
  for (const bucket of differing) {
    const lo = bucket * span > above ? bucket * span : above + 1n;
    const hi = bucket * span + span - 1n < upTo ? bucket * span + span - 1n : upTo;
    const inPostgres = await queryText(
      client,
      `SELECT ${sourceColumns(columns).map(quoteIdent).join(', ')} FROM ${from} WHERE id BETWEEN ${lo} AND ${hi} ORDER BY id`,
    );
    const inClickHouse = await liveRows(clickhouse, table, columns, `id BETWEEN ${lo} AND ${hi}`);
    const pgIds = new Set(inPostgres.map((row) => row.id));
    const chIds = new Set(inClickHouse.map((row) => row.id));
    const gone = inClickHouse.filter((row) => !pgIds.has(row.id));
    const missing = inPostgres.filter((row) => !chIds.has(row.id));
    tombstones += gone.length;
    late += missing.length;
    const rows: OutRow[] = [
      ...gone.map((row) => ({ ...row, _deleted: 1 })),
      ...missing.map((row) => ({ ...row, _deleted: 0 })),
    ];
    if (rows.length > 0) yield { kind: 'rows', rows };
  }
  log.info(
    `${name}: reconciled ids ${inRange}: ${tombstones} deleted in PostgreSQL (tombstoned), ${late} late rows loaded`,
    { rows: tombstones + late, event: 'reconciled' },
  );
  // Counted again in ClickHouse (the rows above are written by now): PostgreSQL may have moved
  // on since its count, and `live` must say what ClickHouse holds.
  return { before: chTotals, after: await clickhouseTotals(clickhouse, table, range) };
}

async function postgresTotals(client: pg.Client, from: string, where: string): Promise<Totals> {
  const [row] = await queryText(
    client,
    `SELECT count(*) AS count, coalesce(sum(id), 0) AS sum FROM ${from} WHERE ${where}`,
  );
  return { count: String(row?.count ?? 0), sum: String(row?.sum ?? 0) };
}

async function clickhouseTotals(
  clickhouse: ClickHouseClient,
  table: string,
  range: IdRange,
): Promise<Totals> {
  const [row] = await clickhouseBucketTotals(
    clickhouse,
    table,
    `id > ${range.above} AND id <= ${range.upTo}`,
    undefined,
  );
  return { count: row?.count ?? '0', sum: row?.sum ?? '0' };
}

async function clickhouseBucketTotals(
  clickhouse: ClickHouseClient,
  table: string,
  where: string,
  span: bigint | undefined,
): Promise<Array<Totals & { bucket: string }>> {
  const bucket = span === undefined ? "'' AS bucket" : `toString(intDiv(id, ${span})) AS bucket`;
  const result = await clickhouse.query({
    query: `SELECT ${bucket}, toString(count()) AS count, toString(sum(id)) AS sum FROM ${qualified(table)} FINAL WHERE _deleted = 0 AND (${where})${span === undefined ? '' : ' GROUP BY bucket'}`,
    format: 'JSONEachRow',
  });
  return result.json();
}

function sameTotals(a: Totals | undefined, b: Totals | undefined): boolean {
  return (
    BigInt(a?.count ?? 0) === BigInt(b?.count ?? 0) && BigInt(a?.sum ?? 0) === BigInt(b?.sum ?? 0)
  );
}

/** Dimensions first: a report built mid-run never sees an impression without its campaign. */
export const streams: readonly AnyStream<PgSession>[] = [
  snapshotStream('advertiser', ADVERTISER_COLUMNS),
  snapshotStream('campaign', CAMPAIGN_COLUMNS),
  appendStream('impressions'),
  appendStream('clicks'),
];
