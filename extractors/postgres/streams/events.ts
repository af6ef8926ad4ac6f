import type pg from 'pg';
import type { Batch, ReadContext, StreamDefinition } from '../../core/source.js';
import { activeWriters, tableMarks } from '../catalog.js';
import { nextPending, planCheck } from '../checks.js';
import { copyOut, queryText, quoteIdent } from '../client.js';
import { type Columns, copySelectList, EVENT_COLUMNS, type OutRow } from '../columns.js';
import { describeCopyText } from '../copy-parser.js';
import {
  addTotals,
  applyCursor,
  checkpoint,
  type IdCursor,
  type IdState,
  INITIAL_ID_STATE,
  nextIdState,
  normalIdState,
} from '../id-state.js';
import { checkPullTarget, pullRanges } from '../pull.js';
import { evolveFromSource, holdsType } from '../raw-types.js';
import { type IdTable, reconcile } from '../reconcile.js';
import type { PgSession } from '../session.js';
import { assertRepresentable } from '../value-check.js';
import { type CountedRows, clickhouseTotals, nothingAbove } from '../warehouse.js';

/**
 * An append-only, large table (impressions, clicks): incremental on `id`, never on
 * `created_at` (the generator back-dates it). A run first compares old ids with PostgreSQL when
 * `planCheck` says something points at a change (`reconcile`), then reads the new ids up to the
 * top id seen at its start, through COPY or, with `--transfer clickhouse-pull`, by ClickHouse
 * itself. Every state change is carried by a batch, so the runner saves it only after that
 * batch is written. The raw table is first widened to what the source's catalog declares, and a
 * value ClickHouse cannot hold fails the stream before anything changes (`value-check.ts`).
 */
export function eventStream(
  name: 'impressions' | 'clicks',
): StreamDefinition<PgSession, IdState, OutRow> {
  const table = `raw.postgres_${name}`;
  const columns = EVENT_COLUMNS;
  return {
    name,
    table,
    key: ['id'],
    cursor: 'id',
    columns,
    // Raw columns widened to the source's catalog types are as declared (raw-types.ts).
    holdsDeclared: holdsType,
    initialState: INITIAL_ID_STATE,
    nextState: nextIdState,
    async *read(context: ReadContext<PgSession, IdState>) {
      const { client, schema, batchSize } = context.session;
      const { source } = await evolveFromSource(
        client,
        context.clickhouse,
        { schema, name, table, columns },
        context.log,
      );
      const from = `${quoteIdent(schema)}.${quoteIdent(name)}`;
      const target: IdTable = { name, table, from, columns, source };
      const state = normalIdState(context.state);
      const last = BigInt(state.lastId);
      // The order matters: the marks before any comparison (a deletion after it shows next
      // run); the top id before the writers (see `activeWriters`).
      const marks = await tableMarks(client, schema, name);
      const [top] = await queryText(client, `SELECT max(id) AS max FROM ${from}`);
      const writers = await activeWriters(client, from);
      const now = new Date().toISOString();
      const plan =
        last === 0n
          ? undefined
          : planCheck(state, marks, writers, context.session.fullCheckHours, now);
      const reconciling =
        plan?.kind === 'full' || (plan?.kind === 'pending' && state.pending !== undefined);
      // Every new value must fit before any of it (or the state) changes: one pass over the new
      // ids in PostgreSQL. ClickHouse's pull runs it alongside its read (see below), unless a
      // reconciliation writes first.
      const pull = context.session.pull;
      const upper = top?.max ? BigInt(top.max) : last;
      const pulling = pull !== undefined && (pull.always || upper - last > BigInt(batchSize));
      const checkAlongside = pulling && !reconciling;
      // With no row above the watermark (no crashed run left any), each pulled range holds just
      // what its insert wrote, and what arrived is counted without FINAL. Asked now, so the
      // read overlaps PostgreSQL's work below; before any range is written.
      const emptyAbove = pulling ? nothingAbove(context.clickhouse, table, last) : undefined;
      emptyAbove?.catch(() => {});
      const checkNewValues = () =>
        assertRepresentable(
          client,
          from,
          `${schema}.${name}`,
          source,
          `id > ${last} AND id <= ${upper}`,
        );
      if (upper > last && !checkAlongside) await checkNewValues();

      const patch: IdCursor = {};
      let live = state.live;
      if (!plan) {
        // The first load reads everything: as good as a full check.
        patch.checked = marks ? { ...marks, at: now } : null;
      } else {
        context.log.debug(`${name}: ${plan.range ? `check of ids ${plan.range}` : 'no check'}`, {
          check: plan.kind,
          ...(plan.kind === 'full' && { reason: plan.reason }),
        });
        if (plan.kind === 'full') {
          const expected = plan.reason === 'deletions' ? state.live : undefined;
          live = (yield* reconcile(context, target, 0n, last, expected)).after;
          patch.live = live;
          patch.checked = marks ? { ...marks, at: now } : null;
        } else if (plan.kind === 'pending' && state.pending) {
          const since = BigInt(state.pending.since);
          const found = yield* reconcile(context, target, since, last, undefined);
          live = live && addTotals(addTotals(live, found.before, -1n), found.after);
          patch.live = live ?? null;
        }
      }
      const pending = nextPending(state, writers);
      patch.pending = pending ?? null;
      // With the value check still to come, the patch moves with the first pulled range instead.
      const changed = JSON.stringify(applyCursor(state, patch)) !== JSON.stringify(state);
      if (changed && !checkAlongside) yield checkpoint(patch);

      // New ids, up to the highest id at the start so the run ends under constant inserts.
      if (upper <= last) return;
      if (pulling && pull) {
        // The value check (unless done above) and the collection check must pass before the
        // first range's rows are visible; the writer stages the rows while they run
        // (core/select-insert.ts).
        let precondition: (() => Promise<void>) | undefined = async () => {
          await Promise.all([
            checkAlongside ? checkNewValues() : undefined,
            checkPullTarget(context.clickhouse, pull, schema, name, upper),
          ]);
        };
        let carried: IdCursor | undefined = changed ? patch : undefined;
        const arrivedRows: CountedRows = (await emptyAbove) ? 'as inserted' : 'live';
        for (const batch of pullRanges(pull, schema, name, columns, last, upper, batchSize)) {
          const cursor = { ...carried, ...(JSON.parse(batch.select.cursor) as IdCursor) };
          yield { ...batch.select, cursor: JSON.stringify(cursor), precondition };
          precondition = undefined;
          carried = undefined;
          // Written: count what arrived, so `live` is known again.
          const arrived = await clickhouseTotals(
            context.clickhouse,
            table,
            batch.range,
            arrivedRows,
          );
          live = live && addTotals(live, arrived);
          yield checkpoint({ live: live ?? null });
        }
        return;
      }
      yield* copyNewRows(client, from, columns, last, upper, batchSize);
    },
  };
}

/** Ids in (last, upper] through COPY, in slices of `batchSize` rows, each slice one batch whose
 *  cursor moves the watermark to its last id. One slice is read ahead while the previous one
 *  is written. */
async function* copyNewRows(
  client: pg.Client,
  from: string,
  columns: Columns,
  last: bigint,
  upper: bigint,
  batchSize: number,
): AsyncGenerator<Batch<OutRow>> {
  const selectList = copySelectList(columns);
  const fetchAfter = (after: bigint) =>
    copyOut(
      client,
      `SELECT ${selectList} FROM ${from} WHERE id > ${after} AND id <= ${upper} ORDER BY id LIMIT ${batchSize}`,
    );
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
}
