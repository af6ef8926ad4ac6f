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
 * ClickHouse's TabSeparated, in `--batch-size` slices (bounded memory). Before reading new ids,
 * the ids at or below the watermark are reconciled: one count+sum(id) per side; only when they
 * differ are id buckets compared, and within a differing bucket ids gone from PostgreSQL get a
 * tombstone and ids ClickHouse lacks (a transaction that committed late) are loaded.
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

export interface IdState {
  /** Highest id loaded, as decimal text (BIGSERIAL exceeds 2^53 in principle). */
  lastId: string;
}

function maxId(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/** Number of lines and the first field of the last line of COPY text output. */
export function describeCopyText(text: string): { rowCount: number; lastKey: string } {
  let rowCount = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rowCount += 1;
  const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const lastKey = text.slice(lastLineStart, text.indexOf('\t', lastLineStart));
  return { rowCount, lastKey };
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
    initialState: { lastId: '0' },
    nextState(state, batch: Batch<OutRow>) {
      if (batch.kind !== 'rows') return { lastId: maxId(state.lastId, batch.cursor) };
      let lastId = state.lastId;
      for (const row of batch.rows) {
        if (row._deleted === 0) lastId = maxId(lastId, String(row.id));
      }
      return { lastId };
    },
    async *read(context: ReadContext<PgSession, IdState>) {
      const { client, schema, batchSize } = context.session;
      await checkTable(client, schema, name, sourceColumns(columns));
      const from = quoteIdent(schema) + '.' + quoteIdent(name);
      const last = BigInt(context.state.lastId);
      if (last > 0n) yield* reconcile(context, name, table, from, last);

      // New ids, up to the highest id at the start so the run ends under constant inserts.
      const [top] = await queryText(client, `SELECT max(id) AS max FROM ${from}`);
      if (!top?.max || BigInt(top.max) <= last) return;
      const upper = BigInt(top.max);
      if (context.session.pull) {
        yield* pullRanges(context.session.pull, schema, name, last, upper, batchSize);
        return;
      }
      const fetchAfter = (after: bigint) =>
        copyOut(
          client,
          `SELECT ${pgColumns}, 0 FROM ${from} WHERE id > ${after} AND id <= ${upper} ORDER BY id LIMIT ${batchSize}`,
        );
      // One slice is read ahead while the previous one is written.
      let pending: Promise<string> | undefined = fetchAfter(last);
      try {
        while (pending) {
          const data = await pending;
          pending = undefined;
          const { rowCount, lastKey } = describeCopyText(data);
          if (rowCount === 0) break;
          if (rowCount === batchSize && BigInt(lastKey) < upper) {
            pending = fetchAfter(BigInt(lastKey));
          }
          yield { kind: 'encoded', format: 'TabSeparated', data, rowCount, cursor: lastKey };
        }
      } finally {
        // The consumer stopped early (a failed insert): let the read-ahead settle quietly.
        await pending?.catch(() => {});
      }
    },
  };
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
): Generator<Batch<OutRow>> {
  const source =
    `postgresql(${quoteString(target.hostPort)}, ${quoteString(target.database)}, ` +
    `${quoteString(table)}, ${quoteString(target.user)}, ${quoteString(target.password)}, ` +
    `${quoteString(schema)})`;
  for (let from = last; from < upper; from += BigInt(batchSize)) {
    const to = from + BigInt(batchSize) < upper ? from + BigInt(batchSize) : upper;
    yield {
      kind: 'select',
      select:
        `SELECT id, campaign_id, toDateTime64(toString(created_at), 6, 'UTC'), toUInt8(0) ` +
        `FROM ${source} WHERE id > ${from} AND id <= ${to}`,
      keyRange: `id > ${from} AND id <= ${to}`,
      cursor: String(to),
    };
  }
}

interface Bucket {
  count: string;
  sum: string;
}

/**
 * Makes ClickHouse's live ids ≤ `last` equal PostgreSQL's: tombstones for ids PostgreSQL no
 * longer has (`generate reset`, deletes), rows for ids ClickHouse lacks (late commits).
 */
async function* reconcile(
  context: ReadContext<PgSession, IdState>,
  name: string,
  table: string,
  from: string,
  last: bigint,
): AsyncGenerator<Batch<OutRow>> {
  const { client, batchSize } = context.session;
  const { clickhouse, log } = context;
  const columns = EVENT_COLUMNS;
  const started = performance.now();
  const timed = async <T>(work: Promise<T>): Promise<[T, number]> => [
    await work,
    Math.round(performance.now() - started),
  ];
  // Both sides at once: they run on different servers.
  const [[[pgTotal], postgresMs], [[chTotal], clickhouseMs]] = await Promise.all([
    timed(
      queryText(
        client,
        `SELECT count(*) AS count, coalesce(sum(id), 0) AS sum FROM ${from} WHERE id <= ${last}`,
      ),
    ),
    timed(chBuckets(clickhouse, table, last, undefined)),
  ]);
  log.debug(`${name}: ids <= ${last} checked against PostgreSQL`, {
    postgres_ms: postgresMs,
    clickhouse_ms: clickhouseMs,
    rows: Number(pgTotal?.count ?? 0),
  });
  if (sameBucket(pgTotal, chTotal)) return;

  const span = BigInt(batchSize);
  const pgBuckets = new Map(
    (
      await queryText(
        client,
        `SELECT id / ${span} AS bucket, count(*) AS count, sum(id) AS sum FROM ${from} WHERE id <= ${last} GROUP BY 1`,
      )
    ).map((b) => [String(b.bucket), b]),
  );
  const clickhouseBuckets = new Map(
    (await chBuckets(clickhouse, table, last, span)).map((b) => [String(b.bucket), b]),
  );
  const differing = [...new Set([...pgBuckets.keys(), ...clickhouseBuckets.keys()])]
    .filter((bucket) => !sameBucket(pgBuckets.get(bucket), clickhouseBuckets.get(bucket)))
    .map(BigInt)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let tombstones = 0;
  let late = 0;
  for (const bucket of differing) {
    const lo = bucket * span;
    const hi = bucket * span + span - 1n < last ? bucket * span + span - 1n : last;
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
    `${name}: reconciled ids <= ${last}: ${tombstones} deleted in PostgreSQL (tombstoned), ${late} late rows loaded`,
    { rows: tombstones + late, event: 'reconciled' },
  );
}

async function chBuckets(
  clickhouse: ClickHouseClient,
  table: string,
  last: bigint,
  span: bigint | undefined,
): Promise<Array<Bucket & { bucket?: string }>> {
  const bucket = span === undefined ? '' : `intDiv(id, ${span}) AS bucket, `;
  const result = await clickhouse.query({
    query: `SELECT ${bucket}count() AS count, sum(id) AS sum FROM ${qualified(table)} FINAL WHERE _deleted = 0 AND id <= ${last}${span === undefined ? '' : ' GROUP BY bucket'}`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json();
}

function sameBucket(
  a: Partial<Bucket> | TextRow | undefined,
  b: Partial<Bucket> | undefined,
): boolean {
  const count = (x: typeof a) => BigInt(x?.count ?? 0);
  const sum = (x: typeof a) => BigInt(x?.sum ?? 0);
  return count(a) === count(b) && sum(a) === sum(b);
}

/** Dimensions first: a report built mid-run never sees an impression without its campaign. */
export const streams: readonly AnyStream<PgSession>[] = [
  snapshotStream('advertiser', ADVERTISER_COLUMNS),
  snapshotStream('campaign', CAMPAIGN_COLUMNS),
  appendStream('impressions'),
  appendStream('clicks'),
];
