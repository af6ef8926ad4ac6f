/**
 * The watermark mode's guard against tables CDC mode has written (cdc/guard.ts): its scan runs
 * alongside the stream's first reads, and must pass before the stream's first batch reaches
 * the runner; when the stream fails first, the wrong mode is the error reported.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLogger } from '../../../../extractors/core/logger.js';
import type { AnyStream, Batch } from '../../../../extractors/core/source.js';
import { ClickHouseWriter } from '../../../../extractors/core/writer.js';
import { refuseAfterCdc } from '../../../../extractors/postgres/cdc/guard.js';
import { CDC_VERSION_BASE } from '../../../../extractors/postgres/cdc/lsn.js';
import { openClickHouse, type TestClickHouse } from '../../../support/clickhouse.js';

const silent = createLogger({ write: () => {} });
let clickhouse: TestClickHouse;

/** A stream of table `table` that yields one batch, or fails before it when `failing`. */
function stream(table: string, failing?: Error): AnyStream<unknown> {
  const batch: Batch<unknown> = { kind: 'rows', rows: [{ id: 1 }], cursor: '{}' };
  return {
    name: table,
    table,
    key: ['id'],
    columns: { id: 'Int64' },
    initialState: null,
    nextState: (state) => state,
    async *read() {
      if (failing) throw failing;
      yield batch;
    },
  } as AnyStream<unknown>;
}

/** Every batch the guarded stream yields, into `seen` (kept by the caller when it throws). */
async function readAll(guarded: AnyStream<unknown>, seen: unknown[] = []): Promise<unknown[]> {
  const context = {
    session: {},
    state: null,
    account: 'default',
    clickhouse: clickhouse.client,
    log: silent,
  };
  for await (const batch of guarded.read(context)) seen.push(batch);
  return seen;
}

beforeAll(async () => {
  clickhouse = await openClickHouse();
  const writer = new ClickHouseWriter(clickhouse.client, silent);
  for (const table of ['raw.guard_watermark', 'raw.guard_cdc']) {
    await writer.ensureTable(stream(table));
  }
  await clickhouse.client.command({
    query: `INSERT INTO raw.guard_cdc (id, _version, _loaded_at, _run_id) VALUES (1, ${CDC_VERSION_BASE + 5n}, now(), 'cdc')`,
  });
}, 60_000);

afterAll(async () => {
  await clickhouse?.destroy();
});

test('a table only the watermark mode wrote: the batch passes', async () => {
  expect(await readAll(refuseAfterCdc(stream('raw.guard_watermark')))).toHaveLength(1);
});

test('a table CDC wrote: no batch reaches the runner, exit-2 error naming the table and the fix', async () => {
  const seen: unknown[] = [];
  const reading = readAll(refuseAfterCdc(stream('raw.guard_cdc')), seen);
  await expect(reading).rejects.toThrow(
    /raw\.guard_cdc holds rows written by CDC mode.*--mode cdc/,
  );
  await expect(reading).rejects.toMatchObject({ exitCode: 2 });
  expect(seen).toEqual([]);
});

test('a stream that fails before its first batch on a table CDC wrote: the wrong mode is reported', async () => {
  const failing = refuseAfterCdc(stream('raw.guard_cdc', new Error('catalog read failed')));
  await expect(readAll(failing)).rejects.toThrow(/holds rows written by CDC mode/);
  // Without CDC rows the stream's own error stands.
  const own = refuseAfterCdc(stream('raw.guard_watermark', new Error('catalog read failed')));
  await expect(readAll(own)).rejects.toThrow('catalog read failed');
});
