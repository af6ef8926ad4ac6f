import type pg from 'pg';
import type { Batch, ReadContext } from '../core/source.js';
import { queryText } from './client.js';
import { type Columns, type OutRow, postgresSelectList } from './columns.js';
import { checkpoint, type IdRange, type IdState, sameTotals, type Totals } from './id-state.js';
import type { PgSession } from './session.js';
import type { SourceColumn } from './source-types.js';
import { assertRepresentable } from './value-check.js';
import { clickhouseBucketTotals, clickhouseTotals, liveRows } from './warehouse.js';

/** An id-keyed table on both sides. */
export interface IdTable {
  /** Stream name, for log lines. */
  name: string;
  /** The raw table in ClickHouse. */
  table: string;
  /** The table in PostgreSQL, schema-qualified and quoted. */
  from: string;
  columns: Columns;
  /** The source's columns as its catalog declares them (what values fit). */
  source: readonly SourceColumn[];
}

/**
 * Makes ClickHouse's live ids in (above, upTo] equal PostgreSQL's: tombstones for ids PostgreSQL
 * no longer has (`generate reset`, deletes), rows for ids ClickHouse lacks (late commits). One
 * count+sum(id) per side first (ClickHouse's from `expected` when the state knows it); only when
 * they differ are id buckets compared, and only differing buckets read. Returns ClickHouse's
 * totals in the range before and after the repair.
 */
export async function* reconcile(
  context: ReadContext<PgSession, IdState>,
  { name, table, from, columns, source }: IdTable,
  above: bigint,
  upTo: bigint,
  expected: Totals | undefined,
): AsyncGenerator<Batch<OutRow>, { before: Totals; after: Totals }> {
  const { client, batchSize } = context.session;
  const { clickhouse, log } = context;
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

  const span = BigInt(batchSize);
  const pgBuckets = new Map(
    (await postgresBucketTotals(client, from, inRange, span)).map((b) => [b.bucket, b]),
  );
  const clickhouseBuckets = new Map(
    (await clickhouseBucketTotals(clickhouse, table, inRange, span)).map((b) => [b.bucket, b]),
  );
  const differing = [...new Set([...pgBuckets.keys(), ...clickhouseBuckets.keys()])]
    .filter((bucket) => !sameTotals(pgBuckets.get(bucket), clickhouseBuckets.get(bucket)))
    .map(BigInt)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bounds = (bucket: bigint): [bigint, bigint] => [
    bucket * span > above ? bucket * span : above + 1n,
    bucket * span + span - 1n < upTo ? bucket * span + span - 1n : upTo,
  ];
  // Late rows must fit before anything (the state's `live` included) changes.
  for (const bucket of differing) {
    const [lo, hi] = bounds(bucket);
    await assertRepresentable(
      client,
      from,
      from.replace(/"/g, ''),
      source,
      `id BETWEEN ${lo} AND ${hi}`,
    );
  }
  // Rows are about to change below the watermark: `live` is unknown until the caller's
  // checkpoint sets it (a crash in between makes the next run count in ClickHouse).
  yield checkpoint({ live: null });
  let tombstones = 0;
  let late = 0;
  for (const bucket of differing) {
    const [lo, hi] = bounds(bucket);
    const inPostgres = await queryText(
      client,
      `SELECT ${postgresSelectList(columns)} FROM ${from} WHERE id BETWEEN ${lo} AND ${hi} ORDER BY id`,
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

/** PostgreSQL's side of `clickhouseBucketTotals`: count and id sum per bucket of `span` ids. */
async function postgresBucketTotals(
  client: pg.Client,
  from: string,
  where: string,
  span: bigint,
): Promise<Array<Totals & { bucket: string }>> {
  const rows = await queryText(
    client,
    `SELECT id / ${span} AS bucket, count(*) AS count, sum(id) AS sum FROM ${from} WHERE ${where} GROUP BY 1`,
  );
  return rows.map((b) => ({
    bucket: String(b.bucket),
    count: String(b.count),
    sum: String(b.sum),
  }));
}
