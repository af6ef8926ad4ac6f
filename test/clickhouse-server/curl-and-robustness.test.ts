/**
 * curl against the server, and requests that must never take it down: bad parameters, unknown
 * formats, oversized bodies, clients that hang up mid-query, many clients at once.
 */
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestServer, type TestServer, USER } from './helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ maxBodyBytes: 1024 * 1024 });
});

afterAll(async () => {
  await t?.stop();
});

/** curl with our credentials; `-w` appends the status on its own line. */
async function curl(args: string[], auth = `${USER}:${PASSWORD}`) {
  // No -u at all for '' (an empty -u makes curl prompt for a password).
  const credentials = auth ? ['-u', auth] : [];
  const result = await execa('curl', ['-sS', ...credentials, '-w', '\n%{http_code}', ...args], {
    reject: false,
    stdin: 'ignore',
  });
  const cut = result.stdout.lastIndexOf('\n');
  return { body: result.stdout.slice(0, cut), status: Number(result.stdout.slice(cut + 1)) };
}

const q = (sql: string, extra = '') =>
  `${t.server.url}/?query=${encodeURIComponent(sql)}${extra ? `&${extra}` : ''}`;

/** The server still answers: /ping and a query. */
async function stillUp() {
  expect(await curl([`${t.server.url}/ping`])).toEqual({ body: 'Ok.\n', status: 200 });
  expect(await curl([q('SELECT 40 + 2')])).toEqual({ body: '42\n', status: 200 });
}

describe('curl', () => {
  it('answers / and /ping with Ok.', async () => {
    expect(await curl([`${t.server.url}/`])).toEqual({ body: 'Ok.\n', status: 200 });
    expect(await curl([`${t.server.url}/ping`], '')).toEqual({ body: 'Ok.\n', status: 200 });
  });

  it('runs GET ?query=, POST bodies and --data-binary inserts', async () => {
    expect(
      await curl([
        '--data-binary',
        'CREATE TABLE c (a UInt32, s String) ENGINE = MergeTree ORDER BY a',
        `${t.server.url}/`,
      ]),
    ).toMatchObject({ status: 200 });
    const file = path.join(os.tmpdir(), `curl-insert-${process.pid}.tsv`);
    await writeFile(file, '1\tone\n2\ttwo\n3\tthree\n');
    expect(await curl(['--data-binary', `@${file}`, q('INSERT INTO c FORMAT TSV')])).toMatchObject({
      status: 200,
    });
    expect(
      await curl(['--data-binary', "INSERT INTO c VALUES (4, 'four')", `${t.server.url}/`]),
    ).toMatchObject({ status: 200 });
    expect(await curl([q('SELECT a, s FROM c ORDER BY a FORMAT CSV')])).toEqual({
      body: '1,"one"\n2,"two"\n3,"three"\n4,"four"\n',
      status: 200,
    });
    expect(await curl([q('SELECT count() FROM c', 'default_format=JSONCompact')])).toMatchObject({
      status: 200,
      body: expect.stringContaining('"data"'),
    });
  });

  it('refuses writes over GET, as ClickHouse does', async () => {
    const result = await curl([q('CREATE TABLE g (a UInt8) ENGINE = Memory')]);
    expect(result.body).toMatch(/^Code: 164\. DB::Exception: .*\(READONLY\) \(version .+\)\n$/);
  });

  it('keeps session state between requests', async () => {
    expect(
      await curl([
        '--data-binary',
        'CREATE TEMPORARY TABLE st (x UInt8)',
        `${t.server.url}/?session_id=curl1`,
      ]),
    ).toMatchObject({ status: 200 });
    expect(
      await curl([
        '--data-binary',
        'INSERT INTO st VALUES (7)',
        `${t.server.url}/?session_id=curl1`,
      ]),
    ).toMatchObject({ status: 200 });
    expect(await curl([q('SELECT x FROM st', 'session_id=curl1')])).toEqual({
      body: '7\n',
      status: 200,
    });
    expect((await curl([q('SELECT x FROM st', 'session_id=curl2')])).status).toBe(404);
    expect((await curl([q('SELECT 1', 'session_id=never&session_check=1')])).body).toContain(
      'Code: 372.',
    );
  });

  it('words errors like ClickHouse, with its status codes', async () => {
    const unknown = await curl([q('SELECT * FROM nowhere')]);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(
      /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [\d.]+\)\n$/,
    );
    const syntax = await curl([q('SELEC 1')]);
    expect(syntax.status).toBe(400);
    expect(syntax.body).toContain('(SYNTAX_ERROR)');
    const auth = await curl([q('SELECT 1')], `${USER}:wrong`);
    expect(auth.status).toBe(403);
    expect(auth.body).toMatch(/^Code: 516\. .*\(AUTHENTICATION_FAILED\)/);
    const viaUrl = await curl([q('SELECT 1', `user=${USER}&password=wrong-in-url`)], '');
    expect(viaUrl.body).toContain('Code: 516.');
    expect(t.logLines.join('')).not.toContain('wrong-in-url');
  });
});

describe('bad requests never take the server down', () => {
  it('malformed parameters, unknown settings and formats', async () => {
    expect((await curl([`${t.server.url}/?query=SELECT%201&param_bad-name=1`])).body).toContain(
      'Code: 36.',
    );
    expect((await curl([q('SELECT 1', 'no_such_setting=1')])).body).toContain('Code: 115.');
    expect((await curl([`${t.server.url}/?query=SELECT%20%ZZ`])).status).toBeGreaterThanOrEqual(
      400,
    );
    expect((await curl([q('SELECT 1 FORMAT NoSuchFormat')])).body).toContain('(UNKNOWN_FORMAT)');
    expect(
      (await curl(['--data-binary', 'x', '-H', 'Content-Encoding: snappy', `${t.server.url}/`]))
        .body,
    ).toContain('Code: 89.');
    expect(
      (await curl(['--data-binary', 'garbage', '-H', 'Content-Encoding: gzip', `${t.server.url}/`]))
        .body,
    ).toContain('Code: 271.');
    await stillUp();
  });

  it('a body over the limit', async () => {
    const big = path.join(os.tmpdir(), `curl-big-${process.pid}`);
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024, 0x31));
    const result = await curl(['--data-binary', `@${big}`, q('INSERT INTO c FORMAT TSV')]);
    expect(result.status).toBe(413);
    expect(result.body).toContain('Code: 229.');
    await stillUp();
  });

  it('a client that hangs up mid-query', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(q('SELECT sleep(1)'), { auth: `${USER}:${PASSWORD}` });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    await stillUp();
  });

  it('a raw malformed HTTP request', async () => {
    const { Socket } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = new Socket();
      let data = '';
      socket.connect(t.server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await stillUp();
  });
});

it('8 parallel inserters and readers: exact final counts', async () => {
  const setup = createClient({ url: t.server.url, username: USER, password: PASSWORD });
  await setup.command({
    query: 'CREATE TABLE par (w UInt8, i UInt32) ENGINE = MergeTree ORDER BY (w, i)',
  });
  const batches = 5;
  const perBatch = 2000;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    const c = createClient({ url: t.server.url, username: USER, password: PASSWORD });
    for (let b = 0; b < batches; b++) {
      const values = Array.from({ length: perBatch }, (_, k) => ({ w, i: b * perBatch + k }));
      await c.insert({ table: 'par', values, format: 'JSONEachRow' });
    }
    await c.close();
  });
  const readers = Array.from({ length: 4 }, async () => {
    const c = createClient({ url: t.server.url, username: USER, password: PASSWORD });
    for (let r = 0; r < 5; r++) {
      const result = await c.query({
        query: 'SELECT count() AS n FROM par',
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ n: number }>();
      expect(Number(row?.n)).toBeLessThanOrEqual(8 * batches * perBatch);
    }
    await c.close();
  });
  await Promise.all([...writers, ...readers]);
  const result = await setup.query({
    query: 'SELECT count() AS n, uniqExact(w, i) AS u FROM par',
    format: 'JSONEachRow',
  });
  const total = String(8 * batches * perBatch);
  expect(await result.json()).toEqual([{ n: total, u: total }]);
  await setup.close();
});
