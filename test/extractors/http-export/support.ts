/** Shared by the http-export tests: the example manifest, the fake's data, running `extract`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type FakeExport, type FakeRow, startFakeExport } from '../../fakes/http-export.js';
import { tempClickHousePath } from '../../support/clickhouse.js';
import { loadedRows, runCli } from '../ad-platforms/support.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const EXAMPLE_MANIFEST = JSON.parse(
  readFileSync(path.join(ROOT, 'config/http-export-manifest.example.json'), 'utf8'),
) as { datasets: Record<string, unknown>[] } & Record<string, unknown>;

export const TOKEN = 'hexp_live_7Qm2Vt9Kx4Lp8Rz3Nw6Bd1';
export const ORDERS = '/internal/analytics/exports/orders/';
export const PLANS = '/internal/analytics/exports/plans/';

/** Five orders (served in id order; updated_at not in that order) over three pages of two. */
export function orders(): FakeRow[] {
  return [
    order(1, 'EU-5GB', 12.5, '2024-03-01T10:00:00.123456Z'),
    order(2, 'US-10GB', 20, '2024-03-02T08:30:00Z'),
    order(3, 'EU-5GB', 12.5, '2024-03-01T09:00:00+02:00'),
    order(4, 'GLOBAL-1GB', 4.99, '2024-03-02T08:30:00Z'),
    order(5, 'US-10GB', 20, '2024-03-01T12:00:00.5Z'),
  ];
}

export function order(id: number, plan: string, amount: number, updatedAt: string): FakeRow {
  return {
    id,
    plan_code: plan,
    amount,
    paid: id % 2 === 1,
    created_on: `2024-02-${String(10 + id).padStart(2, '0')}`,
    updated_at: updatedAt,
    meta: { channel: id % 2 ? 'app' : 'web', tags: ['esim'] },
    coupon: null,
  };
}

export function plans(): FakeRow[] {
  return [
    { code: 'EU-5GB', name: 'Europe 5 GB', price: 12.5, data_gb: 5, active: true },
    { code: 'GLOBAL-1GB', name: 'Global 1 GB', price: 5, data_gb: 1, active: true },
    { code: 'US-10GB', name: 'USA 10 GB', price: 20, data_gb: 10, active: false },
  ];
}

export const FAST = [
  '--page-size',
  '2',
  '--max-attempts',
  '3',
  '--retry-base-ms',
  '1',
  '--retry-max-ms',
  '5',
  '--request-timeout-ms',
  '2000',
];

export interface ExportTest {
  readonly fake: FakeExport;
  readonly clickHousePath: string;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  run(flags?: readonly string[], env?: Record<string, string>): ReturnType<typeof runCli>;
  loaded<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  /** The saved state of each http-export dataset, by dataset. */
  states(): Promise<Record<string, string>>;
}

/** A fresh fake (example manifest, the orders and plans above) and ClickHouse folder per test. */
export function useExportTest(): ExportTest {
  let fake: FakeExport | undefined;
  let clickHousePath = '';
  beforeEach(async () => {
    fake = await startFakeExport({
      token: TOKEN,
      manifest: structuredClone(EXAMPLE_MANIFEST),
      data: { [ORDERS]: orders(), [PLANS]: plans() },
    });
    clickHousePath = await tempClickHousePath();
  });
  afterEach(async () => {
    await fake?.close();
  });
  const env = (extra: Record<string, string> = {}) => ({
    CLICKHOUSE_PATH: clickHousePath,
    HTTP_EXPORT_BASE_URL: fake?.url ?? '',
    HTTP_EXPORT_TOKEN: TOKEN,
    ...extra,
  });
  const loaded = <Row>(sql: string) => loadedRows<Row>(clickHousePath, sql);
  return {
    get fake() {
      if (!fake) throw new Error('the fake starts before each test');
      return fake;
    },
    get clickHousePath() {
      return clickHousePath;
    },
    env,
    run: (flags = [], extra = {}) => runCli(['http-export', ...FAST, ...flags], env(extra)),
    loaded,
    async states() {
      const rows = await loaded<{ stream: string; state: string }>(
        "SELECT stream, state FROM raw._extractor_state FINAL WHERE source = 'http-export' ORDER BY stream",
      );
      return Object.fromEntries(rows.map((row) => [row.stream, row.state]));
    },
  };
}

/** Every fragment of 6 characters of `secret` that must not appear in `text`. */
export function secretFragments(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 6 <= secret.length; i += 1) out.push(secret.slice(i, i + 6));
  return out;
}
