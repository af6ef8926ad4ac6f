/** The unmodified @clickhouse/client against our server: formats, inserts, sessions, errors. */
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseError, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestServer, type TestServer, USER } from './helpers.js';

let t: TestServer;
let client: ClickHouseClient;
const clients: ClickHouseClient[] = [];

function connect(extra: Parameters<typeof createClient>[0] = {}): ClickHouseClient {
  const c = createClient({ url: t.server.url, username: USER, password: PASSWORD, ...extra });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  t = await startTestServer();
  client = connect();
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS nc' });
  await client.command({
    query:
      'CREATE TABLE nc.events (id UInt64, name String, ts DateTime, tags Array(String), v Nullable(Float64)) ENGINE = MergeTree ORDER BY id',
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.stop();
});

/** What JSON formats give back: a ClickHouse server quotes 64-bit integers by default. */
const asReadBack = (row: { id: number }) => ({ ...row, id: String(row.id) });

const rows = [
  { id: 1, name: 'a\tb', ts: '2024-01-01 00:00:00', tags: ['x'], v: 1.5 },
  { id: 2, name: 'line\n\nbreaks', ts: '2024-01-02 03:04:05', tags: [], v: null },
  { id: 3, name: "quote ' \\ back", ts: '2024-01-03 00:00:00', tags: ['y', 'z'], v: -2 },
];

describe('@clickhouse/client', () => {
  it('pings', async () => {
    expect((await client.ping()).success).toBe(true);
  });

  it.each(['JSONEachRow', 'CSV', 'TabSeparated'] as const)('inserts %s', async (format) => {
    const table = `nc.ins_${format.toLowerCase()}`;
    await client.command({ query: `CREATE TABLE ${table} AS nc.events` });
    await client.insert({ table, values: rows, format: 'JSONEachRow' });
    const text = await (
      await client.query({ query: `SELECT * FROM ${table} ORDER BY id`, format })
    ).text();
    const copy = `${table}_copy`;
    await client.command({ query: `CREATE TABLE ${copy} AS nc.events` });
    // The same bytes back in: the server must keep them exact.
    const exec = await client.exec({
      query: `INSERT INTO ${copy} FORMAT ${format}`,
      values: Readable.from([Buffer.from(text)], { objectMode: false }),
    });
    exec.stream.destroy();
    const back = await client.query({
      query: `SELECT * FROM ${copy} ORDER BY id`,
      format: 'JSONEachRow',
    });
    expect(await back.json()).toEqual(rows.map(asReadBack));
  });

  it.each([
    'JSON',
    'JSONEachRow',
    'JSONCompactEachRow',
    'JSONCompactEachRowWithNamesAndTypes',
    'CSV',
    'CSVWithNames',
    'TabSeparated',
    'TabSeparatedWithNamesAndTypes',
  ] as const)('queries as %s', async (format) => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS nc.q AS nc.events' });
    await client.command({ query: 'TRUNCATE TABLE nc.q' });
    await client.insert({ table: 'nc.q', values: rows, format: 'JSONEachRow' });
    const result = await client.query({ query: 'SELECT id, name FROM nc.q ORDER BY id', format });
    const text = await result.text();
    expect(text).toContain('breaks');
    expect(result.response_headers['x-clickhouse-format']).toBe(format);
  });

  it('queries RowBinaryWithNamesAndTypes and Native as bytes', async () => {
    for (const format of ['RowBinaryWithNamesAndTypes', 'Native']) {
      const result = await client.exec({ query: `SELECT number FROM numbers(3) FORMAT ${format}` });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(bytes.includes(Buffer.from('UInt64'))).toBe(true);
    }
  });

  it('binds query parameters of several types', async () => {
    const result = await client.query({
      query:
        'SELECT {s:String} AS s, {n:UInt32} + 1 AS n, {a:Array(String)} AS a, {d:DateTime} AS d, {z:Nullable(Int8)} AS z',
      query_params: {
        s: "it's\ta\\test\n",
        n: 41,
        a: ["x'y", 'z\\'],
        d: '2024-05-06 07:08:09',
        z: null,
      },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { s: "it's\ta\\test\n", n: '42', a: ["x'y", 'z\\'], d: '2024-05-06 07:08:09', z: null },
    ]);
  });

  it('quotes 64-bit integers in JSON as a ClickHouse server does, unless the query says not to', async () => {
    const query = 'SELECT toUInt64(9007199254740993) AS big, toUInt32(7) AS small';
    const quoted = await client.query({ query, format: 'JSONEachRow' });
    expect(await quoted.json()).toEqual([{ big: '9007199254740993', small: 7 }]);
    const plain = await client.query({
      query,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    expect(await plain.text()).toBe('{"big":9007199254740993,"small":7}\n');
  });

  it('applies settings to one query only', async () => {
    const one = await client.query({
      query: "SELECT getSetting('max_block_size') AS m",
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '1234' },
    });
    expect(await one.json()).toEqual([{ m: 1234 }]);
    const after = await client.query({
      query: "SELECT getSetting('max_block_size') AS m",
      format: 'JSONEachRow',
    });
    expect(await after.json()).not.toEqual([{ m: 1234 }]);
  });

  it('keeps temporary tables and SETs within a session', async () => {
    const a = connect({ session_id: 'node-session-a' });
    const b = connect({ session_id: 'node-session-b' });
    await a.command({ query: 'CREATE TEMPORARY TABLE tmp (x Int32)' });
    await a.command({ query: 'INSERT INTO tmp VALUES (1), (2)' });
    await a.command({ query: 'SET max_block_size = 777' });
    const count = await a.query({ query: 'SELECT count() AS c FROM tmp', format: 'JSONEachRow' });
    expect(await count.json()).toEqual([{ c: '2' }]);
    const setting = await a.query({
      query: "SELECT getSetting('max_block_size') AS m",
      format: 'JSONEachRow',
    });
    expect(await setting.json()).toEqual([{ m: 777 }]);
    await expect(b.query({ query: 'SELECT count() FROM tmp' })).rejects.toMatchObject({
      code: '60',
    });
  });

  it('uses the database setting', async () => {
    const c = connect({ database: 'nc' });
    const result = await c.query({ query: 'SELECT currentDatabase() AS d', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ d: 'nc' }]);
  });

  it('compresses requests and responses when asked', async () => {
    const c = connect({ compression: { request: true, response: true } });
    await c.command({ query: 'CREATE TABLE nc.gz AS nc.events' });
    await c.insert({ table: 'nc.gz', values: rows, format: 'JSONEachRow' });
    const result = await c.query({
      query: 'SELECT * FROM nc.gz ORDER BY id',
      format: 'JSONEachRow',
    });
    expect(result.response_headers['content-encoding']).toBe('gzip');
    expect(await result.json()).toEqual(rows.map(asReadBack));
  });

  it('reports the insert in the summary', async () => {
    await client.command({ query: 'CREATE TABLE nc.summary AS nc.events' });
    const result = await client.insert({
      table: 'nc.summary',
      values: rows,
      format: 'JSONEachRow',
    });
    expect(result.summary?.written_rows).toBe('3');
    expect(result.query_id).toBeTruthy();
  });

  it('surfaces errors as ClickHouseError with the code', async () => {
    const unknown = await client.query({ query: 'SELECT * FROM nc.nope' }).catch((e) => e);
    expect(unknown).toBeInstanceOf(ClickHouseError);
    expect(unknown).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    await expect(client.query({ query: 'SELEC 1' })).rejects.toMatchObject({ code: '62' });
    const wrong = createClient({ url: t.server.url, username: USER, password: 'wrong' });
    clients.push(wrong);
    await expect(wrong.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516' });
  });
});
