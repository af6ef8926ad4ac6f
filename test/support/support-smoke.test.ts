import { afterAll, beforeAll, expect, test } from 'vitest';
import { openClickHouse, queryRows, type TestClickHouse } from './clickhouse.js';
import { startPostgres, type TestPostgres } from './postgres.js';

let postgres: TestPostgres;
let clickhouse: TestClickHouse;

beforeAll(async () => {
  postgres = await startPostgres();
  clickhouse = await openClickHouse();
});
afterAll(async () => {
  await postgres?.stop();
  await clickhouse?.destroy();
});

test('embedded PostgreSQL answers on loopback', async () => {
  const client = postgres.client();
  await client.connect();
  const result = await client.query<{ n: number }>('SELECT 40 + 2 AS n');
  await client.end();
  expect(result.rows[0]?.n).toBe(42);
});

test('chdb can pull from the embedded PostgreSQL through the postgresql() table function', async () => {
  const client = postgres.client();
  await client.connect();
  await client.query('CREATE TABLE t (id int primary key, name text)');
  await client.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  await client.end();
  const rows = await queryRows<{ id: number; name: string }>(
    clickhouse.client,
    `SELECT id, name FROM postgresql('127.0.0.1:${postgres.port}', '${postgres.database}', 't', '${postgres.user}', '${postgres.password}') ORDER BY id`,
  );
  expect(rows).toEqual([
    { id: 1, name: 'a' },
    { id: 2, name: 'b' },
  ]);
});
