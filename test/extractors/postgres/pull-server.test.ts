/**
 * ClickHouse's own pull against a ClickHouse server (the local one over the embedded engine, as
 * the stack's): the server gets the shipped named collection (clickhouse/config.d) with the
 * connection in its own environment, and every byte the extractor sends it is recorded by a
 * loopback proxy. The PostgreSQL password must appear in none of it: no query text, URL,
 * header or body, so it cannot reach the server's query log or `system.processes` either.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../clickhouse-server/helpers.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';
import { PULL_COLLECTION_FILE, runCli } from './helpers.js';

/** A role of its own, so that its password is distinctive enough to look for in pieces. */
const ROLE = 'puller';
const ROLE_PASSWORD = 'Qv7-pLx9#Wm2zR';

let postgres: TestPostgres;
let clickhouse: TestServer;
let proxy: http.Server;
let proxyUrl: string;
/** Everything the extractor sent to ClickHouse: request lines, headers and bodies. */
const sent: string[] = [];

/** Forwards to the server, keeping a copy of each request. */
function startRecordingProxy(target: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // The URL both as sent and decoded: the query text of an insert travels in it.
      const url = req.url ?? '';
      sent.push(
        `${req.method} ${url}\n${decodeURIComponent(url.replaceAll('+', ' '))}\n${JSON.stringify(req.headers)}\n${body.toString('latin1')}`,
      );
      const forward = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.destroy(error));
      forward.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  postgres = await startPostgres();
  const init = await runCli('generator/cli.ts', ['init'], { PG_URL: postgres.url });
  expect(init.exitCode, init.stderr).toBe(0);
  const batch = await runCli(
    'generator/cli.ts',
    ['batch', '--advertisers', '2', '--campaigns', '3', '--impressions', '400', '--seed', '5'],
    { PG_URL: postgres.url },
  );
  expect(batch.exitCode, batch.stderr).toBe(0);
  const admin = postgres.client();
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${ROLE_PASSWORD}'`);
  await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ROLE}`);
  await admin.end();
  // The collection's values come from the server's environment (from_env in the shipped file).
  Object.assign(process.env, {
    OLTP_PG_HOST: postgres.host,
    OLTP_PG_PORT: String(postgres.port),
    OLTP_PG_DATABASE: postgres.database,
    OLTP_PG_USER: ROLE,
    OLTP_PG_PASSWORD: ROLE_PASSWORD,
  });
  clickhouse = await startTestServer({
    configFile: PULL_COLLECTION_FILE,
    user: 'default',
    password: '',
  });
  proxy = await startRecordingProxy(clickhouse.server.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await clickhouse?.stop();
  await postgres?.stop();
});

/** `extract postgres --streams impressions` through the recording proxy: batches of 100, so a
 *  larger increment is pulled (auto), with the shipped collection. */
function extractImpressions() {
  sent.length = 0;
  return runCli(
    'extractors/cli.ts',
    [
      'postgres',
      '--streams',
      'impressions',
      '--batch-size',
      '100',
      '--pull-collection',
      'adtech_pg',
    ],
    { PG_URL: postgres.url, CLICKHOUSE_URL: proxyUrl, CLICKHOUSE_PATH: undefined },
  );
}

async function count(sql: string): Promise<string> {
  const response = await fetch(`${clickhouse.server.url}/?query=${encodeURIComponent(sql)}`);
  return (await response.text()).trim();
}

test('the default transfer pulls through the named collection; no piece of the password is ever sent', async () => {
  const url = new URL(postgres.url);
  url.username = ROLE;
  url.password = encodeURIComponent(ROLE_PASSWORD);
  const run = await runCli(
    'extractors/cli.ts',
    // More new ids than one copy batch: `auto` pulls.
    [
      'postgres',
      '--streams',
      'impressions,clicks',
      '--batch-size',
      '100',
      '--pull-collection',
      'adtech_pg',
    ],
    { PG_URL: url.toString(), CLICKHOUSE_URL: proxyUrl, CLICKHOUSE_PATH: undefined },
  );
  expect(run.exitCode, run.stderr).toBe(0);

  // Every row arrived, through ClickHouse's own reads.
  const pg = postgres.client();
  await pg.connect();
  const { rows } = await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM impressions');
  await pg.end();
  expect(await count('SELECT count() FROM raw.postgres_impressions FINAL')).toBe(rows[0]?.n);
  const traffic = sent.join('\n');
  expect(traffic).toMatch(/postgresql\(adtech_pg, schema = 'public', table = 'impressions'\)/);

  // The recording holds the queries in full (this would find the password if it were sent) …
  expect(traffic).toMatch(/INSERT INTO \S*postgres_impressions\S* \(/);
  // … and no 4-character piece of it, in any request, nor in the extractor's own output.
  for (let i = 0; i + 4 <= ROLE_PASSWORD.length; i++) {
    const piece = ROLE_PASSWORD.slice(i, i + 4);
    expect(traffic, piece).not.toContain(piece);
    expect(traffic, piece).not.toContain(encodeURIComponent(piece));
    expect(run.stdout + run.stderr, piece).not.toContain(piece);
  }
});

test('`auto` copies an increment that fits in one batch (ClickHouse opening its own connection costs more)', async () => {
  const admin = postgres.client();
  await admin.connect();
  await admin.query(
    'INSERT INTO impressions (campaign_id, created_at) SELECT campaign_id, created_at FROM impressions ORDER BY id LIMIT 5',
  );
  const { rows } = await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM impressions');
  await admin.end();
  const run = await extractImpressions();
  expect(run.exitCode, run.stderr).toBe(0);
  expect(await count('SELECT count() FROM raw.postgres_impressions FINAL')).toBe(rows[0]?.n);
  const traffic = sent.join('\n');
  expect(traffic).toMatch(/INSERT INTO \S*postgres_impressions/);
  expect(traffic).not.toContain('postgresql(');
});

test("a value ClickHouse cannot hold, checked while ClickHouse reads: exit 2, no row visible, state untouched, no staging copy left (a crashed run's included)", async () => {
  const admin = postgres.client();
  await admin.connect();
  await admin.query(
    `INSERT INTO impressions (campaign_id, created_at)
     SELECT campaign_id, CASE WHEN n = 150 THEN timestamp '0001-01-01 00:00:00' ELSE created_at END
       FROM (SELECT campaign_id, created_at, row_number() OVER (ORDER BY id) AS n FROM impressions ORDER BY id LIMIT 300) AS s`,
  );
  await admin.end();
  const state = () =>
    count(
      "SELECT state FROM raw._extractor_state FINAL WHERE source = 'postgres' AND stream = 'impressions'",
    );
  const [rowsBefore, stateBefore] = [
    await count('SELECT count() FROM raw.postgres_impressions'),
    await state(),
  ];
  // A copy a crashed run left behind: the next staged insert drops it.
  const made = await fetch(clickhouse.server.url, {
    method: 'POST',
    body: 'CREATE TABLE raw.postgres_impressions__incoming_1 AS raw.postgres_impressions',
  });
  expect(made.status, await made.text()).toBe(200);
  expect(
    await count(
      "SELECT count() FROM system.tables WHERE name = 'postgres_impressions__incoming_1'",
    ),
  ).toBe('1');
  const run = await extractImpressions();
  expect(run.exitCode, run.stderr).toBe(2);
  expect(run.stderr).toMatch(
    /public\.impressions\.created_at = '0001-01-01 00:00:00' \(id \d+\) cannot be represented/,
  );
  // The rows were read into a staging copy while PostgreSQL was asked: the check ran alongside.
  expect(sent.join('\n')).toMatch(/INSERT INTO `raw`\.`postgres_impressions__incoming_\d+`/);
  expect(await count('SELECT count() FROM raw.postgres_impressions')).toBe(rowsBefore);
  expect(await state()).toBe(stateBefore);
  expect(
    await count("SELECT count() FROM system.tables WHERE name LIKE '%\\_\\_incoming\\_%'"),
  ).toBe('0');
});
