/**
 * http-export end to end: the real CLI (in process) against the loopback export API fake, into
 * embedded ClickHouse: exact rows and inferred types, incremental overlap, table evolution,
 * full snapshots with tombstones, failures kept per dataset, watermarks held.
 */
import { describe, expect, it } from 'vitest';
import { HTML_500_PAGE } from '../../fakes/http.js';
import { retryLines } from '../ad-platforms/support.js';
import {
  ORDERS,
  order,
  orders,
  PLANS,
  plans,
  secretFragments,
  TOKEN,
  useExportTest,
} from './support.js';

const t = useExportTest();

const ORDER_ROWS = `SELECT id, plan_code, amount, paid, created_on, updated_at, meta, _deleted
  FROM raw.http_export_orders FINAL ORDER BY id`;
const PLAN_ROWS = `SELECT code, name, price, data_gb, active, _deleted
  FROM raw.http_export_plans FINAL ORDER BY code`;

const columnTypes = (table: string) =>
  t.loaded<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = 'raw' AND table = '${table}' ORDER BY position`,
  );

/** What the orders table holds for the fake's rows: values in their column types. */
const expectedOrder = (row: Record<string, unknown>, updatedAt: string) => ({
  id: row.id,
  plan_code: row.plan_code,
  amount: row.amount,
  paid: row.paid,
  created_on: row.created_on,
  updated_at: updatedAt,
  meta: JSON.stringify(row.meta),
  _deleted: 0,
});

const UTC_TIMES = [
  '2024-03-01 10:00:00.123456',
  '2024-03-02 08:30:00.000000',
  '2024-03-01 07:00:00.000000',
  '2024-03-02 08:30:00.000000',
  '2024-03-01 12:00:00.500000',
];

describe('extract http-export', () => {
  it('loads every dataset of the manifest with exact rows and inferred column types', async () => {
    const run = await t.run();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('extract http-export ok: 8 rows');

    expect(await t.loaded(ORDER_ROWS)).toEqual(
      orders().map((row, i) => expectedOrder(row, UTC_TIMES[i] as string)),
    );
    expect(await columnTypes('http_export_orders')).toEqual([
      { name: '_deleted', type: 'UInt8' },
      { name: 'id', type: 'Int64' },
      { name: 'plan_code', type: 'Nullable(String)' },
      // Declared `number` in the manifest, though the fake's first value (12.5) would say so too.
      { name: 'amount', type: 'Nullable(Float64)' },
      { name: 'paid', type: 'Nullable(Bool)' },
      { name: 'created_on', type: 'Nullable(Date32)' },
      { name: 'updated_at', type: "Nullable(DateTime64(6, 'UTC'))" },
      { name: 'meta', type: 'Nullable(String)' },
      { name: '_version', type: 'UInt64' },
      { name: '_loaded_at', type: "DateTime64(3, 'UTC')" },
      { name: '_run_id', type: 'String' },
    ]);
    // `coupon` was null in every row: no type to infer yet, so no column.
    expect(await t.loaded(PLAN_ROWS)).toEqual(plans().map((row) => ({ ...row, _deleted: 0 })));
    expect((await columnTypes('http_export_plans')).map((c) => `${c.name} ${c.type}`)).toEqual([
      '_deleted UInt8',
      'code String',
      'name Nullable(String)',
      'price Nullable(Float64)',
      'data_gb Nullable(Int64)',
      'active Nullable(Bool)',
      '_version UInt64',
      "_loaded_at DateTime64(3, 'UTC')",
      '_run_id String',
    ]);
    // The highest watermark as served (two orders share it), saved after the rows; a full
    // dataset has no watermark to save.
    expect(await t.states()).toEqual({ orders: '{"watermark":"2024-03-02T08:30:00Z"}' });
    const pages = t.fake.requests.filter((r) => r.path === ORDERS);
    expect(pages.map((r) => r.query.toString())).toEqual([
      'page_size=2',
      'page_size=2&page=2',
      'page_size=2&page=3',
    ]);
    expect(t.fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('re-reads from the stored watermark inclusively: overlapping runs converge to one row per key', async () => {
    expect((await t.run()).code).toBe(0);
    const again = await t.run();
    expect(again.code, again.stderr).toBe(0);
    const second = t.fake.requests.filter((r) => r.path === ORDERS).slice(3);
    // Orders 2 and 4 share the watermark: both come again, neither is lost.
    expect(second.map((r) => r.query.get('updated_at__gte'))).toEqual(['2024-03-02T08:30:00Z']);
    expect(again.stdout).toContain('ok: 5 rows'); // 2 orders + 3 plans
    const rows = orders().map((row, i) => expectedOrder(row, UTC_TIMES[i] as string));
    expect(await t.loaded(ORDER_ROWS)).toEqual(rows);
    expect(await t.loaded('SELECT count() AS n FROM raw.http_export_orders FINAL')).toEqual([
      { n: 5 },
    ]);

    // A changed order and a new one with the same watermark as the old maximum.
    const data = t.fake.data.get(ORDERS) ?? [];
    data[0] = order(1, 'EU-5GB', 15, '2024-03-03T00:00:00Z');
    data.push(order(6, 'EU-5GB', 12.5, '2024-03-02T08:30:00Z'));
    expect((await t.run(['--datasets', 'orders'])).code).toBe(0);
    const after = await t.loaded<{ id: number; amount: number; updated_at: string }>(
      'SELECT id, amount, updated_at FROM raw.http_export_orders FINAL ORDER BY id',
    );
    expect(after.map((r) => [r.id, r.amount])).toEqual([
      [1, 15],
      [2, 20],
      [3, 12.5],
      [4, 4.99],
      [5, 20],
      [6, 12.5],
    ]);
    expect((await t.states()).orders).toBe('{"watermark":"2024-03-03T00:00:00Z"}');
  });

  it('adds a column for a new field and keeps the rows loaded before it', async () => {
    expect((await t.run()).code).toBe(0);
    const data = t.fake.data.get(ORDERS) ?? [];
    data.push({
      ...order(7, 'US-10GB', 20, '2024-03-04T00:00:00Z'),
      refund_reason: 'duplicate',
      coupon: 'SPRING',
    });
    const run = await t.run(['--datasets', 'orders']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('adding column refund_reason Nullable(String)');
    const types = await columnTypes('http_export_orders');
    expect(types.filter((c) => ['refund_reason', 'coupon'].includes(c.name))).toEqual([
      { name: 'coupon', type: 'Nullable(String)' },
      { name: 'refund_reason', type: 'Nullable(String)' },
    ]);
    expect(
      await t.loaded(
        'SELECT id, refund_reason, coupon FROM raw.http_export_orders FINAL ORDER BY id',
      ),
    ).toEqual([
      { id: 1, refund_reason: null, coupon: null },
      { id: 2, refund_reason: null, coupon: null },
      { id: 3, refund_reason: null, coupon: null },
      { id: 4, refund_reason: null, coupon: null },
      { id: 5, refund_reason: null, coupon: null },
      { id: 7, refund_reason: 'duplicate', coupon: 'SPRING' },
    ]);
  });

  it('a value that no longer fits its column is a located error; the dataset keeps its rows and watermark, the others load', async () => {
    expect((await t.run()).code).toBe(0);
    const before = await t.loaded(ORDER_ROWS);
    const data = t.fake.data.get(ORDERS) ?? [];
    data.push({ ...order(8, 'EU-5GB', 12.5, '2024-03-05T00:00:00Z'), paid: 'yes' });
    t.fake.data
      .get(PLANS)
      ?.push({ code: 'ASIA-3GB', name: 'Asia 3 GB', price: 9, data_gb: 3, active: true });
    const run = await t.run();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'dataset \\"orders\\" page 2 row 1 (id=8), field \\"paid\\": value \\"yes\\" (string) does not fit column type Bool of raw.http_export_orders',
    );
    expect(await t.loaded(ORDER_ROWS)).toEqual(before);
    expect((await t.states()).orders).toBe('{"watermark":"2024-03-02T08:30:00Z"}');
    expect(await t.loaded('SELECT code FROM raw.http_export_plans FINAL ORDER BY code')).toEqual([
      { code: 'ASIA-3GB' },
      { code: 'EU-5GB' },
      { code: 'GLOBAL-1GB' },
      { code: 'US-10GB' },
    ]);
  });

  it('full datasets: rows gone from the backend are tombstoned, so the live rows equal the source', async () => {
    expect((await t.run()).code).toBe(0);
    const served = (t.fake.data.get(PLANS) ?? []).filter((p) => p.code !== 'GLOBAL-1GB');
    t.fake.data.set(
      PLANS,
      served.map((p) => (p.code === 'US-10GB' ? { ...p, active: true } : p)),
    );
    const run = await t.run(['--datasets', 'plans']);
    expect(run.code, run.stderr).toBe(0);
    expect(
      await t.loaded(
        'SELECT code, active, _deleted FROM raw.http_export_plans FINAL ORDER BY code',
      ),
    ).toEqual([
      { code: 'EU-5GB', active: true, _deleted: 0 },
      { code: 'GLOBAL-1GB', active: null, _deleted: 1 },
      { code: 'US-10GB', active: true, _deleted: 0 },
    ]);
    // A plan that comes back is live again.
    t.fake.data.get(PLANS)?.push(plans()[1] as Record<string, unknown>);
    expect((await t.run(['--datasets', 'plans'])).code).toBe(0);
    expect(await t.loaded(PLAN_ROWS)).toEqual(
      plans().map((row) => ({ ...row, active: true, _deleted: 0 })),
    );
  });

  it('a full read that fails midway tombstones nothing', async () => {
    expect((await t.run()).code).toBe(0);
    t.fake.data.set(PLANS, plans().slice(0, 2));
    t.fake.data.get(PLANS)?.push({ code: 'ZZ-1GB', name: 'Z', price: 1, data_gb: 1, active: true });
    t.fake.faults.push({
      route: 'dataset:plans',
      after: 1,
      times: 99,
      response: { status: 503, body: { detail: 'down' } },
    });
    const run = await t.run(['--datasets', 'plans']);
    expect(run.code).toBe(1);
    expect(
      await t.loaded('SELECT code FROM raw.http_export_plans FINAL WHERE _deleted = 1'),
    ).toEqual([]);
  });

  it('one failing dataset leaves the others loaded, and its watermark held', async () => {
    t.fake.faults.push({
      route: 'dataset:orders',
      times: 99,
      response: { status: 500, body: HTML_500_PAGE, html: true },
    });
    const run = await t.run();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAILED');
    expect(run.stderr).toContain('gave up after 3 attempts: HTTP 500 (HTML page)');
    expect(await t.loaded(PLAN_ROWS)).toEqual(plans().map((row) => ({ ...row, _deleted: 0 })));
    expect(await t.states()).toEqual({});
  });

  it('a failure after some pages keeps the watermark; the next run loads everything', async () => {
    expect((await t.run()).code).toBe(0);
    const data = t.fake.data.get(ORDERS) ?? [];
    for (const id of [10, 11, 12])
      data.push(order(id, 'EU-5GB', 12.5, `2024-03-0${id - 4}T00:00:00Z`));
    t.fake.faults.push({
      route: 'dataset:orders',
      after: 1,
      times: 99,
      response: {
        status: 200,
        body: '{"count": 5, "next": null, "results": [{"id"',
        truncateAt: 20,
      },
    });
    const failed = await t.run(['--datasets', 'orders']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('cut off');
    expect((await t.states()).orders).toBe('{"watermark":"2024-03-02T08:30:00Z"}');
    t.fake.faults.length = 0;
    const next = await t.run(['--datasets', 'orders']);
    expect(next.code, next.stderr).toBe(0);
    expect((await t.states()).orders).toBe('{"watermark":"2024-03-08T00:00:00Z"}');
    expect(
      await t.loaded<{ id: number }>('SELECT id FROM raw.http_export_orders FINAL ORDER BY id'),
    ).toEqual([1, 2, 3, 4, 5, 10, 11, 12].map((id) => ({ id })));
  });

  it('retries 429 with Retry-After, 5xx, HTML error pages and cut bodies, then loads exactly', async () => {
    t.fake.faults.push(
      {
        route: 'manifest',
        times: 1,
        response: {
          status: 429,
          body: { detail: 'Request was throttled.' },
          headers: { 'retry-after': '0' },
        },
      },
      {
        route: 'dataset:orders',
        after: 1,
        times: 1,
        response: { status: 502, body: HTML_500_PAGE, html: true },
      },
      {
        route: 'dataset:orders',
        times: 1,
        response: { status: 200, body: HTML_500_PAGE, html: true },
      },
      {
        route: 'dataset:plans',
        times: 1,
        response: { status: 200, body: { results: [], next: null }, truncateAt: 10 },
      },
    );
    const run = await t.run();
    expect(run.code, run.stderr).toBe(0);
    const retries = retryLines(run.stderr);
    expect(retries).toHaveLength(4);
    expect(retries.join('\n')).toContain('HTTP 429 (Request was throttled.)');
    expect(retries.join('\n')).toContain('answer is text/html, not JSON');
    expect(await t.loaded(ORDER_ROWS)).toEqual(
      orders().map((row, i) => expectedOrder(row, UTC_TIMES[i] as string)),
    );
    expect(await t.loaded(PLAN_ROWS)).toEqual(plans().map((row) => ({ ...row, _deleted: 0 })));
  });

  it('never logs the token, not even a fragment, and a refused token is exit 2', async () => {
    const ok = await t.run(['--log-level', 'debug']);
    const refused = await t.run([], { HTTP_EXPORT_TOKEN: `${TOKEN}x` });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('HTTP_EXPORT_TOKEN was refused (Invalid token.)');
    for (const output of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) {
      for (const fragment of secretFragments(TOKEN)) expect(output).not.toContain(fragment);
    }
  });

  it('refuses a next link that leaves the backend (the token would go with it)', async () => {
    t.fake.faults.push({
      route: 'dataset:plans',
      times: 1,
      response: {
        status: 200,
        body: { results: plans().slice(0, 1), next: 'http://127.0.0.2:9/steal/' },
      },
    });
    const run = await t.run(['--datasets', 'plans']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('`next` leaves the backend (http://127.0.0.2:9)');
  });
});
