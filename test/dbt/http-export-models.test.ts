/**
 * The http-export dbt staging model, built by real dbt through the ClickHouse HTTP server over
 * raw tables the extractor itself made and loaded (its DDL depends on the data it infers from):
 * `extract http-export` against the loopback export API fake, twice (a changed order, a plan gone
 * from the catalogue), then `dbt build` of stg_http_export__orders with its data tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  EXAMPLE_MANIFEST,
  FAST,
  ORDERS,
  order,
  orders,
  PLANS,
  plans,
  ROOT,
  TOKEN,
} from '../extractors/http-export/support.js';
import { type FakeExport, startFakeExport } from '../fakes/http-export.js';
import { runCli } from '../support/cli.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

let warehouse: TestWarehouse;
let fake: FakeExport;

const extract = async () => {
  const run = await runCli(['http-export', ...FAST], {
    ...warehouse.env,
    HTTP_EXPORT_BASE_URL: fake.url,
    HTTP_EXPORT_TOKEN: TOKEN,
  });
  expect(run.code, run.stderr).toBe(0);
};

beforeAll(async () => {
  warehouse = await startWarehouse();
  fake = await startFakeExport({
    token: TOKEN,
    manifest: EXAMPLE_MANIFEST,
    data: { [ORDERS]: orders(), [PLANS]: plans() },
  });
  await extract();
  // Order 2 is refunded and changes plan; the Global plan leaves the catalogue.
  const data = fake.data.get(ORDERS) ?? [];
  data[1] = { ...order(2, 'EU-5GB', 0, '2024-03-04T00:00:00Z'), paid: false };
  fake.data.set(
    PLANS,
    plans().filter((plan) => plan.code !== 'GLOBAL-1GB'),
  );
  await extract();
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await warehouse?.destroy();
});

describe('http-export dbt models', () => {
  it('are off by default, switched by http_export_enabled like the ad platforms', () => {
    const project = parseYaml(readFileSync(path.join(ROOT, 'dbt/dbt_project.yml'), 'utf8'));
    const guard = "{{ var('http_export_enabled', false) }}";
    expect(project.vars.http_export_enabled).toBe(false);
    expect(project.models.adtech_pipeline.staging.http_export['+enabled']).toBe(guard);
    expect(project.sources.adtech_pipeline.staging.http_export['+enabled']).toBe(guard);
  });

  it('builds stg_http_export__orders with exact rows, and its data tests pass', async () => {
    const result = await warehouse.dbt(['build', '--select', '+stg_http_export__orders'], {
      vars: { http_export_enabled: true },
    });
    expect(failedNodes(result), result.output).toEqual([]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.tests.length).toBeGreaterThanOrEqual(4);
    const rows = await queryRows(
      warehouse.client,
      `SELECT order_id, plan_code, plan_name, plan_data_gb, amount, is_paid,
              toString(created_on) AS created_on, toString(updated_at) AS updated_at, order_channel
       FROM staging.stg_http_export__orders ORDER BY order_id`,
    );
    expect(rows).toEqual(
      [
        [
          1,
          'EU-5GB',
          'Europe 5 GB',
          5,
          12.5,
          true,
          '2024-02-11',
          '2024-03-01 10:00:00.123456',
          'app',
        ],
        [
          2,
          'EU-5GB',
          'Europe 5 GB',
          5,
          0,
          false,
          '2024-02-12',
          '2024-03-04 00:00:00.000000',
          'web',
        ],
        [
          3,
          'EU-5GB',
          'Europe 5 GB',
          5,
          12.5,
          true,
          '2024-02-13',
          '2024-03-01 07:00:00.000000',
          'app',
        ],
        // The Global plan is tombstoned: its orders stay, without a plan name.
        [4, 'GLOBAL-1GB', '', null, 4.99, false, '2024-02-14', '2024-03-02 08:30:00.000000', 'web'],
        [
          5,
          'US-10GB',
          'USA 10 GB',
          10,
          20,
          true,
          '2024-02-15',
          '2024-03-01 12:00:00.500000',
          'app',
        ],
      ].map(
        ([
          order_id,
          plan_code,
          plan_name,
          plan_data_gb,
          amount,
          is_paid,
          created_on,
          updated_at,
          order_channel,
        ]) => ({
          order_id,
          plan_code,
          plan_name,
          plan_data_gb,
          amount,
          is_paid,
          created_on,
          updated_at,
          order_channel,
        }),
      ),
    );
  });
});
