/**
 * A fresh stack, as `docker compose up` leaves it before any DAG ran: the `raw-tables-init`
 * service has created the raw tables from the postgres extractor's declarations, nothing is
 * loaded, and there are no ad-platform tables. The dbt container's exact command lines run with
 * compose's own environment and no `--vars` (only the host and port point at the test's
 * warehouse), and so does each DAG's dbt task command with only the vars its spec passes.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IrDag, renderArg } from '../../codegen/index.js';
import { appStoreSource } from '../../extractors/app-store/source.js';
import { clevertapSource } from '../../extractors/clevertap/source.js';
import type { AnyStream } from '../../extractors/core/source.js';
import { createTableSql } from '../../extractors/core/writer.js';
import { facebookAdsSource } from '../../extractors/facebook-ads/source.js';
import { googleAdsSource } from '../../extractors/google-ads/source.js';
import { googleAnalyticsSource } from '../../extractors/google-analytics/source.js';
import { googlePlaySource } from '../../extractors/google-play/source.js';
import { loadLocalProject } from '../../local/project.js';
import { loadCompose } from '../stack/stack-files.js';
import { queryRows } from '../support/clickhouse.js';
import { failedNodes } from '../support/dbt.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const compose = loadCompose();

/** `${NAME:-default}` as compose substitutes it with nothing set in `.env`. */
function composeDefault(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** A compose service's environment with `clickhouse:8123` pointed at the test's warehouse. */
function composeEnv(service: string, warehouse: TestWarehouse): Record<string, string> {
  const server = new URL(warehouse.url);
  const env: Record<string, string> = {};
  for (const [key, raw] of Object.entries(compose.services[service]?.environment ?? {})) {
    env[key] = composeDefault(String(raw))
      .replace('http://clickhouse:8123', warehouse.url)
      .replace(/^clickhouse$/, server.hostname);
  }
  if (env.CLICKHOUSE_PORT === '8123') env.CLICKHOUSE_PORT = server.port;
  return env;
}

const composeCredential = (name: string) =>
  composeDefault(String(compose.services.clickhouse?.environment?.[name]));

let warehouse: TestWarehouse;

const tables = async () =>
  (
    await queryRows<{ name: string }>(
      warehouse.client,
      "SELECT concat(database, '.', name) AS name FROM system.tables WHERE database IN ('raw', 'staging', 'intermediate', 'analytics') ORDER BY name",
    )
  ).map((row) => row.name);

beforeAll(async () => {
  // The stack's ClickHouse user and password, as compose sets them by default.
  warehouse = await startWarehouse({
    user: composeCredential('CLICKHOUSE_USER'),
    password: composeCredential('CLICKHOUSE_PASSWORD'),
  });
});
afterAll(async () => {
  await warehouse?.destroy();
});

describe('a fresh stack', () => {
  it('raw-tables-init creates the raw tables with the extractor image command, loading nothing', async () => {
    const init = compose.services['raw-tables-init'];
    expect(init?.image).toBe(compose.services['oltp-seed']?.image);
    expect(compose.services.dbt?.depends_on?.['raw-tables-init']?.condition).toBe(
      'service_completed_successfully',
    );
    const command = init?.command as string[];
    const result = await execa('npx', ['tsx', path.join(REPO, 'extractors/cli.ts'), ...command], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', ...composeEnv('raw-tables-init', warehouse) },
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/init-only, 4 tables ready/);
    expect(await tables()).toEqual([
      'raw._extractor_state',
      'raw.postgres_advertiser',
      'raw.postgres_campaign',
      'raw.postgres_clicks',
      'raw.postgres_impressions',
    ]);
    const rows = await queryRows(
      warehouse.client,
      'SELECT toString(count()) AS n FROM raw.postgres_impressions',
    );
    expect(rows).toEqual([{ n: '0' }]);
  });

  it.each([['dbt run'], ['dbt build']])(
    '`docker exec dbt %s` succeeds with compose environment and no --vars',
    async (line) => {
      const args = line.split(' ').slice(1);
      const result = await warehouse.dbt(args, {
        env: composeEnv('dbt', warehouse),
        exactEnv: true,
      });
      expect(failedNodes(result), result.output).toEqual([]);
      expect(result.exitCode, result.output).toBe(0);
      const built = result.nodes.filter((node) => node.resourceType === 'model').map((n) => n.name);
      expect(built).toContain('advertiser_campaigns_totals_report');
      expect(built.filter((name) => /facebook|google|ads_daily|web_sessions/.test(name))).toEqual(
        [],
      );
      if (args[0] === 'build') expect(result.tests.length).toBeGreaterThan(20);
    },
  );

  it('`docker exec dbt dbt source freshness` runs and reports the empty raw tables as stale, not as a crash', async () => {
    const result = await warehouse.dbt(['source', 'freshness'], {
      env: composeEnv('dbt', warehouse),
      exactEnv: true,
    });
    const sources = result.nodes.map((node) => `${node.name}:${node.status}`).sort();
    expect(sources, result.output).toEqual([
      'advertiser:error',
      'campaign:error',
      'clicks:error',
      'impressions:error',
    ]);
    expect(result.output).not.toMatch(/Runtime Error|Database Error|Traceback/);
  });

  it('`dbt source freshness` passes once the raw tables have rows', async () => {
    // One consistent row per table (the DAG tasks below build and test on them).
    for (const [table, columns, values] of [
      ['advertiser', 'id, name', "1, 'Acme'"],
      ['campaign', 'id, name, advertiser_id', "1, 'Spring', 1"],
      ['impressions', 'id, campaign_id, created_at', "1, 1, '2024-03-01 10:00:00'"],
      ['clicks', 'id, campaign_id, created_at', "1, 1, '2024-03-01 10:00:01'"],
    ]) {
      await warehouse.client.command({
        query: `INSERT INTO raw.postgres_${table} (${columns}, _loaded_at) VALUES (${values}, now64(3))`,
      });
    }
    const result = await warehouse.dbt(['source', 'freshness'], {
      env: composeEnv('dbt', warehouse),
      exactEnv: true,
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.nodes.map((node) => node.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });
});

describe("each DAG's dbt task on a stack with only its platform's raw tables", () => {
  // The raw tables a platform's extractor creates (streams only need their config to read).
  const anyConfig = {} as never;
  const PLATFORM_STREAMS: Record<string, readonly AnyStream<unknown>[]> = {
    facebook_ads: facebookAdsSource.streams(anyConfig),
    google_ads: googleAdsSource.streams(anyConfig),
    google_analytics: googleAnalyticsSource.streams(anyConfig),
    // CleverTap's profiles stream is there unless --no-profiles.
    clevertap: clevertapSource.streams({ profileEvents: ['App Launched'] } as never),
    google_play: googlePlaySource.streams(anyConfig),
    app_store: appStoreSource.streams(anyConfig),
  };
  /** http-export's raw tables have no declared columns: the DAG's extract task creates them from
   *  the data it serves, so its dbt task cannot run on a fresh stack. This very command runs
   *  after a real extract in test/dbt/http-export-models.test.ts. */
  const RUN_AFTER_ITS_EXTRACT_ONLY = new Set(['http_export_daily']);

  it('runs the exact command of every dbt task in the shipped DAGs with only its own vars', async () => {
    const project = await loadLocalProject();
    const dbtTasks = project.dags.flatMap((dag: IrDag) =>
      dag.tasks.filter((task) => task.kind === 'dbt').map((task) => ({ dag, task })),
    );
    expect(dbtTasks.map(({ dag }) => dag.dagId).sort()).toEqual([
      'ads_daily_performance',
      'app_daily_performance',
      'app_store_daily',
      'campaign_reports',
      'clevertap_daily',
      'google_analytics_daily',
      'google_play_daily',
      'http_export_daily',
    ]);
    for (const { dag, task } of dbtTasks) {
      if (RUN_AFTER_ITS_EXTRACT_ONLY.has(dag.dagId)) continue;
      const args = task.command.map((arg) => renderArg(arg, project.runFor(dag, undefined).values));
      const varsAt = args.indexOf('--vars');
      const vars = varsAt < 0 ? {} : (JSON.parse(args[varsAt + 1] ?? '{}') as object);
      for (const [platform, streams] of Object.entries(PLATFORM_STREAMS)) {
        if (!(`${platform}_enabled` in vars)) continue;
        for (const stream of streams) {
          await warehouse.client.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
          await warehouse.client.command({ query: createTableSql(stream) });
        }
      }
      const result = await warehouse.dbt(args, {
        env: composeEnv('dbt', warehouse),
        exactEnv: true,
      });
      expect(failedNodes(result), `${dag.dagId}: ${result.output}`).toEqual([]);
      expect(result.exitCode, `${dag.dagId}: ${result.output}`).toBe(0);
      expect(result.nodes.length, dag.dagId).toBeGreaterThan(0);
    }
  });
});
