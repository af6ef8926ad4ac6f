/**
 * The extractor runtime on its own: redaction, retry, logging, the ClickHouse writer, the state
 * store and the runner, with a small in-memory source on embedded ClickHouse (a fresh database
 * per test).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  clickHouseSettingsFromEnv,
  describeClickHouse,
} from '../../../extractors/core/clickhouse-client.js';
import {
  ConfigError,
  EXIT_RUNTIME,
  EXIT_USAGE,
  exitCodeOf,
  RuntimeFailure,
  UsageError,
} from '../../../extractors/core/errors.js';
import { createLogger } from '../../../extractors/core/logger.js';
import { redact, registerSecret } from '../../../extractors/core/redact.js';
import { withRetry } from '../../../extractors/core/retry.js';
import { backoffDelay, parseRetryAfter } from '../../../extractors/core/retry-delay.js';
import { combineExitCodes, runSource } from '../../../extractors/core/runner.js';
import type { Batch, SourceDefinition, StreamDefinition } from '../../../extractors/core/source.js';
import { StateStore } from '../../../extractors/core/state.js';
import { ClickHouseWriter, createTableSql, VersionClock } from '../../../extractors/core/writer.js';
import {
  openClickHouse,
  queryRows,
  type TestClickHouse,
  uniqueDatabase,
} from '../../support/clickhouse.js';

describe('redact', () => {
  test('strips URL credentials and query strings, tokens, password pairs', () => {
    const text =
      'GET https://graph.facebook.com/v24.0/act_1/insights?access_token=EAAB123abc&fields=x failed; ' +
      'pg postgresql://admin:s3cr3t@db:5432/adtech; Authorization: Bearer ya29.a0Af_xyz; password=hunter2 ' +
      'token: "abc.def" key AIzaSyA1234567890123456789012345678901';
    const out = redact(text);
    for (const secret of [
      'EAAB123abc',
      's3cr3t',
      'ya29.a0Af_xyz',
      'hunter2',
      'abc.def',
      'AIzaSyA1234567890',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('https://graph.facebook.com/v24.0/act_1/insights?***');
    expect(out).toContain('postgresql://admin:***@db:5432/adtech');
  });

  test('masks registered secret values anywhere and truncates huge payloads', () => {
    registerSecret('Zq9-very-private');
    expect(redact('error near Zq9-very-private in body')).toBe('error near *** in body');
    const huge = redact('x'.repeat(10_000), 100);
    expect(huge.length).toBeLessThan(150);
    expect(huge).toMatch(/truncated 9900 chars/);
  });
});

test('the ClickHouse target named in logs never carries the password or the URL credentials', () => {
  const settings = clickHouseSettingsFromEnv({
    CLICKHOUSE_URL: 'https://loader:url-secret@ch.example:8443/?password=query-secret',
    CLICKHOUSE_PASSWORD: 'env-secret',
  });
  const text = describeClickHouse(settings);
  expect(text).toBe('ClickHouse server https://ch.example:8443');
  for (const secret of ['url-secret', 'query-secret', 'env-secret']) {
    expect(text).not.toContain(secret);
  }
  expect(describeClickHouse({ ...settings, url: 'not a url' })).not.toContain('not a url');
});

describe('errors', () => {
  test('exit codes: usage and config errors 2, runtime 1, anything else 1', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT_USAGE);
    expect(exitCodeOf(new ConfigError('x'))).toBe(EXIT_USAGE);
    expect(exitCodeOf(new RuntimeFailure('x'))).toBe(EXIT_RUNTIME);
    expect(exitCodeOf(new Error('x'))).toBe(EXIT_RUNTIME);
    expect(new ConfigError('login to postgresql://u:pw@h/db failed').message).toBe(
      'login to postgresql://u:***@h/db failed',
    );
  });

  test('a run fails with 1 when any failure may pass on retry, with 2 when all are config errors', () => {
    expect(combineExitCodes([])).toBe(0);
    expect(combineExitCodes([2, 2])).toBe(2);
    expect(combineExitCodes([2, 1])).toBe(1);
  });
});

describe('retry', () => {
  test('exponential backoff with full jitter, capped', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0.5)).toBe(500);
    expect(backoffDelay(4, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(20, 1000, 60_000, () => 0.999)).toBe(59_940);
  });

  test('bounded attempts, then the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls += 1;
        throw new Error(`boom ${calls}`);
      },
      {
        maxAttempts: 3,
        baseDelayMs: 100,
        random: () => 1 - Number.EPSILON,
        wait: async (ms) => waits.push(ms),
      },
    );
    await expect(attempt).rejects.toThrow('boom 3');
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  test('a server-given wait wins over the backoff; non-retryable errors stop at once', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('429'), { retryAfterMs: 7_000 });
        return 'ok';
      },
      {
        serverWaitMs: (error) => (error as { retryAfterMs?: number }).retryAfterMs,
        wait: async (ms) => waits.push(ms),
      },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([7_000, 7_000]);

    let fatalCalls = 0;
    await expect(
      withRetry(
        async () => {
          fatalCalls += 1;
          throw new ConfigError('bad token');
        },
        { isRetryable: (e) => !(e instanceof ConfigError), wait: async () => {} },
      ),
    ).rejects.toThrow('bad token');
    expect(fatalCalls).toBe(1);
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 25 Nov 2026 10:00:05 GMT', Date.parse('2026-11-25T10:00:00Z')),
    ).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('logger', () => {
  test('one JSON object per line with context fields, level filter and redaction', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0) })
      .child({ source: 's', run_id: 'r1' })
      .child({ stream: 'st' });
    log.debug('hidden');
    log.info('loaded from https://u:pw@host/x?token=1', { rows: 5, duration_ms: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] as string)).toEqual({
      ts: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'loaded from https://u:***@host/x?***',
      source: 's',
      run_id: 'r1',
      stream: 'st',
      rows: 5,
      duration_ms: 12,
    });
  });
});

test('version clock is strictly increasing even within one millisecond', () => {
  const clock = new VersionClock(() => 1_000);
  expect([clock.next(), clock.next(), clock.next()]).toEqual([1_000_000n, 1_000_001n, 1_000_002n]);
});

// ---- ClickHouse-backed parts -------------------------------------------------------------

let clickhouse: TestClickHouse;
let client: ClickHouseClient;
beforeAll(async () => {
  clickhouse = await openClickHouse();
  client = clickhouse.client;
});
afterAll(async () => {
  await clickhouse?.destroy();
});

interface Item {
  id: number;
  value: string;
  account?: string;
}

/** Items with consecutive ids from `firstId`, one per value. */
const items = (firstId: number, ...values: string[]): Item[] =>
  values.map((value, i) => ({ id: firstId + i, value }));

/** A source over in-memory rows per account; state is the highest id loaded. */
function memorySource(
  database: string,
  data: Record<string, Item[]>,
  options: { failOpen?: string[]; columns?: Record<string, string> } = {},
): SourceDefinition<{ batch: number }, { account: string }> {
  const stream: StreamDefinition<{ account: string }, { lastId: number }, Item> = {
    name: 'items',
    table: `${database}.items`,
    key: ['account', 'id'],
    cursor: 'id',
    columns: options.columns ?? { account: 'String', id: 'Int64', value: 'String' },
    initialState: { lastId: 0 },
    nextState: (state, batch: Batch<Item>) =>
      batch.kind === 'rows'
        ? { lastId: Math.max(state.lastId, ...batch.rows.map((r) => r.id)) }
        : state,
    async *read({ session, state }) {
      const rows = (data[session.account] ?? [])
        .filter((r) => r.id > state.lastId)
        .map((r) => ({ ...r, account: session.account }));
      for (let i = 0; i < rows.length; i += 2) yield { kind: 'rows', rows: rows.slice(i, i + 2) };
    },
  };
  return {
    contract: { source: 'memory', description: 'test', flags: {}, secrets: [], tables: [] },
    config: z.object({ batch: z.number() }),
    accounts: () => Object.keys(data),
    async open(_config, account) {
      if (options.failOpen?.includes(account))
        throw new ConfigError(`account ${account}: bad token`);
      return { account };
    },
    async close() {},
    streams: () => [stream],
  };
}

const silent = createLogger({ write: () => {} });

async function run(
  source: SourceDefinition<{ batch: number }, { account: string }>,
  database: string,
  extra = {},
) {
  return runSource({
    source,
    config: { batch: 2 },
    clickhouse: client,
    runId: 'test-run',
    log: silent,
    stateStore: new StateStore(client, `${database}._extractor_state`),
    ...extra,
  });
}

describe('writer, state and runner on embedded ClickHouse', () => {
  test('a table that cannot be made fails its stream, reported where the stream runs; the other stream loads', async () => {
    const database = uniqueDatabase('warmup');
    const good = memorySource(database, { a: items(1, 'x', 'y') });
    const [items0] = good.streams({ batch: 2 });
    const broken = {
      ...items0,
      name: 'broken',
      table: `${database}.broken`,
      columns: { id: 'NoSuchType' },
    };
    const source = { ...good, streams: () => [broken, items0] } as typeof good;
    const summary = await run(source, database);
    const [result, loaded] = summary.accounts[0]?.streams ?? [];
    expect(result).toMatchObject({ stream: 'broken', status: 'failed' });
    expect(result?.error).toMatch(/NoSuchType/);
    expect(loaded).toMatchObject({ stream: 'items', status: 'ok', rows: 2 });
    expect(summary.exitCode).toBe(1);
  });

  test('creates database and table (ReplacingMergeTree on the key, meta columns), adds later columns, keeps data', async () => {
    const database = uniqueDatabase('writer');
    await run(memorySource(database, { a: [{ id: 1, value: 'x' }] }), database);
    const [ddl] = await queryRows<{ statement: string }>(
      client,
      `SHOW CREATE TABLE ${database}.items`,
    );
    expect(ddl?.statement).toMatch(/ENGINE = ReplacingMergeTree\(_version\)/);
    expect(ddl?.statement).toMatch(/ORDER BY \(account, id\)/);
    for (const column of [
      '`_version` UInt64',
      "`_loaded_at` DateTime64(3, 'UTC')",
      '`_run_id` String',
    ]) {
      expect(ddl?.statement).toContain(column);
    }

    // The stream grows a column: the table gets it, old rows stay with the default.
    const wider = memorySource(
      database,
      { a: [{ id: 2, value: 'y' }] },
      {
        columns: { account: 'String', id: 'Int64', value: 'String', extra: 'Nullable(String)' },
      },
    );
    const writer = new ClickHouseWriter(client, silent);
    await writer.ensureTable(wider.streams({ batch: 2 })[0]!);
    const rows = await queryRows(
      client,
      `SELECT toString(id) AS id, value, extra FROM ${database}.items ORDER BY id`,
    );
    expect(rows).toEqual([{ id: '1', value: 'x', extra: null }]);
  });

  test('a minmax index on _loaded_at skips granules loaded before a cut-off; old tables get it', async () => {
    const database = uniqueDatabase('loaded_at');
    const source = memorySource(database, { a: [{ id: 1, value: 'x' }] });
    await run(source, database);
    const [ddl] = await queryRows<{ statement: string }>(
      client,
      `SHOW CREATE TABLE ${database}.items`,
    );
    expect(ddl?.statement).toContain(
      'INDEX _loaded_at_minmax _loaded_at TYPE minmax GRANULARITY 1',
    );

    // A table from before the index (two rows a granule, so one part holds two granules), with
    // rows of two loads in one part: it gets the index, built for that part too, and keeps its
    // rows.
    const stream = source.streams({ batch: 2 })[0]!;
    const old = { ...stream, table: `${database}.old` };
    await client.command({
      query: `${createTableSql(old).replace(/,\n\s*INDEX[^\n]*/, '')} SETTINGS index_granularity = 2`,
    });
    await client.insert({
      table: old.table,
      format: 'JSONEachRow',
      values: [1, 2, 3, 4].map((id) => ({
        account: 'a',
        id,
        value: 'v',
        _version: id,
        _loaded_at: id <= 2 ? '2026-01-01 00:00:00' : '2026-02-01 00:00:00',
        _run_id: 'old',
      })),
    });
    await new ClickHouseWriter(client, silent).ensureTable(old);
    const indexes = await queryRows(
      client,
      `SELECT name, type, expr FROM system.data_skipping_indices WHERE database = '${database}' AND table = 'old'`,
    );
    expect(indexes).toEqual([{ name: '_loaded_at_minmax', type: 'minmax', expr: '_loaded_at' }]);
    expect(await queryRows(client, `SELECT toString(count()) AS n FROM ${database}.old`)).toEqual([
      { n: '4' },
    ]);
    // Rows loaded after a cut-off: the index leaves one of the part's two granules to read.
    let text = '';
    for (let attempt = 0; attempt < 50 && !/Granules: 1\/2/.test(text); attempt += 1) {
      // MATERIALIZE INDEX is a mutation: it may still be running.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const plan = await queryRows<{ explain: string }>(
        client,
        `EXPLAIN indexes = 1 SELECT id FROM ${database}.old WHERE _loaded_at > '2026-01-15 00:00:00'`,
      );
      text = plan.map((line) => line.explain).join('\n');
    }
    expect(text).toMatch(/Skip\s+Name: _loaded_at_minmax[\s\S]*?Granules: 1\/2/);
  });

  test('encoded batches: a bad row fails the batch, names the table, and nothing of it is kept', async () => {
    const database = uniqueDatabase('encoded');
    const source = memorySource(database, { a: [] });
    const stream = source.streams({ batch: 2 })[0]!;
    const writer = new ClickHouseWriter(client, silent);
    await writer.ensureTable(stream);
    const clock = new VersionClock();
    const write = (data: string) =>
      writer.insert(
        stream,
        {
          kind: 'encoded',
          format: 'TabSeparated',
          data,
          rowCount: data.split('\n').length - 1,
          cursor: '',
        },
        { version: clock.next(), loadedAt: new Date('2026-03-01T10:00:00Z'), runId: 'enc' },
      );
    // Good rows before the bad one: none of them may reach the table.
    const good = Array.from({ length: 1_000 }, (_, i) => `a\t${i + 1}\tv\n`).join('');
    await expect(write(`${good}a\tnot-a-number\tv\n`)).rejects.toThrow(
      new RegExp(`insert of 1001 rows into ${database}\\.items failed`),
    );
    expect(await queryRows(client, `SELECT toString(count()) AS n FROM ${database}.items`)).toEqual(
      [{ n: '0' }],
    );
    // The next batch writes exactly its own rows, with the meta columns.
    expect(await write('a\t7\tseven\n')).toBe(1);
    expect(
      await queryRows(
        client,
        `SELECT toString(id) AS id, value, _run_id, toString(_loaded_at) AS loaded FROM ${database}.items`,
      ),
    ).toEqual([{ id: '7', value: 'seven', _run_id: 'enc', loaded: '2026-03-01 10:00:00.000' }]);
  });

  test('an encoded batch with a blank line is refused on the embedded engine, never half-loaded', async () => {
    const database = uniqueDatabase('blank');
    const source = memorySource(database, { a: [] });
    const stream = source.streams({ batch: 2 })[0]!;
    const writer = new ClickHouseWriter(client, silent);
    await writer.ensureTable(stream);
    const meta = { version: new VersionClock().next(), loadedAt: new Date(), runId: 'blank' };
    for (const data of ['a\t1\tx\n\na\t2\ty\n', '\na\t1\tx\n']) {
      await expect(
        writer.insert(
          stream,
          { kind: 'encoded', format: 'TabSeparated', data, rowCount: 2, cursor: '' },
          meta,
        ),
      ).rejects.toThrow(
        /has a blank line at byte \d+; the embedded engine's raw insert would drop/,
      );
    }
    expect(await queryRows(client, `SELECT toString(count()) AS n FROM ${database}.items`)).toEqual(
      [{ n: '0' }],
    );
  });

  test('re-writing a key converges to one row, the latest version winning', async () => {
    const database = uniqueDatabase('idempotent');
    const source = memorySource(database, { a: [{ id: 1, value: 'old' }] });
    await run(source, database);
    const writer = new ClickHouseWriter(client, silent);
    const stream = source.streams({ batch: 2 })[0]!;
    const clock = new VersionClock();
    for (const value of ['again', 'newest']) {
      await writer.insert(
        stream,
        { kind: 'rows', rows: [{ account: 'a', id: 1, value }] },
        {
          version: clock.next(),
          loadedAt: new Date(),
          runId: `rerun-${value}`,
        },
      );
    }
    const rows = await queryRows(
      client,
      `SELECT toString(id) AS id, value, _run_id FROM ${database}.items FINAL`,
    );
    expect(rows).toEqual([{ id: '1', value: 'newest', _run_id: 'rerun-newest' }]);
  });

  test('per-account results: a failing account does not block the others; state per account', async () => {
    const database = uniqueDatabase('accounts');
    const source = memorySource(
      database,
      {
        a: items(1, 'a1', 'a2', 'a3'),
        b: items(1, 'b1'),
        c: [],
      },
      { failOpen: ['b'] },
    );
    const summary = await run(source, database);
    expect(summary.exitCode).toBe(EXIT_USAGE);
    expect(summary.accounts.map((a) => [a.account, a.status])).toEqual([
      ['a', 'ok'],
      ['b', 'failed'],
      ['c', 'ok'],
    ]);
    expect(summary.accounts[1]?.error).toBe('account b: bad token');
    expect(summary.rows).toBe(3);
    const states = await new StateStore(client, `${database}._extractor_state`).list();
    expect(states.map((s) => [s.account, s.state])).toEqual([['a', '{"lastId":3}']]);
  });

  test('a session that fails to close is a warning: the rows and state stay, the run is ok', async () => {
    const database = uniqueDatabase('close');
    const lines: string[] = [];
    const source = {
      ...memorySource(database, { a: [{ id: 1, value: 'a1' }] }),
      async close() {
        throw new Error('socket already gone');
      },
    };
    const summary = await run(source, database, {
      log: createLogger({ write: (line) => lines.push(line) }),
    });
    expect(summary.exitCode).toBe(0);
    expect(summary.rows).toBe(1);
    const warnings = lines.map((line) => JSON.parse(line)).filter((r) => r.level === 'warn');
    expect(warnings.map((r) => r.msg)).toEqual(['closing the session failed: socket already gone']);
  });

  test('a failed insert leaves the state where it was; a hook failure after insert too, and a re-run converges', async () => {
    const database = uniqueDatabase('failures');
    const store = new StateStore(client, `${database}._extractor_state`);
    // `value` is declared Int64, so the second batch (a non-number) fails to insert.
    const bad = memorySource(
      database,
      {
        a: items(1, '10', '20', 'not a number'),
      },
      { columns: { account: 'String', id: 'Int64', value: 'Int64' } },
    );
    const failed = await run(bad, database);
    expect(failed.exitCode).toBe(EXIT_RUNTIME);
    expect(failed.accounts[0]?.streams[0]?.error).toMatch(/insert of 1 rows into .*items failed/);
    expect((await store.list()).map((s) => s.state)).toEqual(['{"lastId":2}']);

    const source = memorySource(
      database,
      {
        a: items(3, '30', '40'),
      },
      {
        columns: { account: 'String', id: 'Int64', value: 'Int64' },
      },
    );
    const crashed = await run(source, database, {
      hooks: {
        afterInsert: () => {
          throw new Error('killed after insert');
        },
      },
    });
    expect(crashed.exitCode).toBe(EXIT_RUNTIME);
    expect((await store.list()).map((s) => s.state)).toEqual(['{"lastId":2}']);
    const rerun = await run(source, database);
    expect(rerun.exitCode).toBe(0);
    expect((await store.list()).map((s) => s.state)).toEqual(['{"lastId":4}']);
    const rows = await queryRows(
      client,
      `SELECT toString(id) AS id, toString(value) AS value FROM ${database}.items FINAL ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '1', value: '10' },
      { id: '2', value: '20' },
      { id: '3', value: '30' },
      { id: '4', value: '40' },
    ]);

    // Nothing new: no rows, no state write.
    const before = await queryRows(client, `SELECT count() AS n FROM ${database}._extractor_state`);
    const idle = await run(source, database);
    expect(idle.rows).toBe(0);
    expect(
      await queryRows(client, `SELECT count() AS n FROM ${database}._extractor_state`),
    ).toEqual(before);
  });
});
