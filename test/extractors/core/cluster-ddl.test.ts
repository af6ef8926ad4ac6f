/**
 * The DDL of both table layouts (extractors/core/cluster.ts), as golden SQL in
 * test/fixtures/cluster-ddl/ (regenerate deliberately with UPDATE_GOLDEN=1 and review the diff).
 *
 * Every statement is recorded from the real code (ClickHouseWriter, StateStore, the PostgreSQL
 * raw-table widening) on embedded ClickHouse:
 * - single node: the statements run for real; the tables they make are checked afterwards.
 * - cluster: there is no ClickHouse cluster here (ON CLUSTER and replicated tables need Keeper),
 *   so that run is a dry run: reads (system.columns, system.data_skipping_indices) go to the
 *   embedded engine, holding the tables as the scenario starts (the `_local` tables as copies of
 *   the single-node ones), and the CREATE / ALTER statements are recorded, not run. ClickHouse's
 *   own parser then checks every recorded statement (`formatQuery`), so a typo fails the test.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../../extractors/cli.js';
import {
  clickHouseSettingsFromEnv,
  createClickHouseClient,
  describeClickHouse,
} from '../../../extractors/core/clickhouse-client.js';
import {
  assertClusterDefined,
  CLUSTER_CLIENT_SETTINGS,
  clusterLayout,
  localTable,
  SINGLE_NODE,
  setTableLayout,
  type TableLayout,
  tableLayoutFor,
} from '../../../extractors/core/cluster.js';
import { ConfigError, EXIT_USAGE, exitCodeOf } from '../../../extractors/core/errors.js';
import { createLogger } from '../../../extractors/core/logger.js';
import type { AnyStream } from '../../../extractors/core/source.js';
import { StateStore } from '../../../extractors/core/state.js';
import {
  ClickHouseWriter,
  qualified,
  quoteString,
  tableColumnTypes,
} from '../../../extractors/core/writer.js';
import { googleAdsSource } from '../../../extractors/google-ads/source.js';
import type { HttpExportConfig } from '../../../extractors/http-export/config.js';
import type { Dataset } from '../../../extractors/http-export/manifest.js';
import { datasetStream } from '../../../extractors/http-export/streams/dataset.js';
import { RowTyper } from '../../../extractors/http-export/streams/row-typer.js';
import { CAMPAIGN_COLUMNS } from '../../../extractors/postgres/columns.js';
import { evolveRawTable } from '../../../extractors/postgres/raw-types.js';
import type { SourceColumn } from '../../../extractors/postgres/source-types.js';
import { streams as postgresStreams } from '../../../extractors/postgres/streams.js';
import { openClickHouse, queryRows, type TestClickHouse } from '../../support/clickhouse.js';
import { repoRoot } from '../../support/repo-root.js';

const CLUSTER = 'adtech_cluster';
const GOLDEN = path.join(repoRoot, 'test/fixtures/cluster-ddl');
const silent = createLogger({ write: () => {} });

/** `client` with `command` recorded; run too when `execute`, else only recorded (dry run). */
function recording(
  client: ClickHouseClient,
  execute: boolean,
): { client: ClickHouseClient; statements: string[] } {
  const statements: string[] = [];
  const proxy = new Proxy(client, {
    get(target, property) {
      if (property === 'command') {
        return async (params: Parameters<ClickHouseClient['command']>[0]) => {
          statements.push(params.query);
          return execute ? target.command(params) : undefined;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: proxy, statements };
}

const byTable = (streams: readonly AnyStream<unknown>[], table: string) => {
  const found = streams.find((stream) => stream.table === table);
  if (!found) throw new Error(`no stream writes ${table}`);
  return found;
};

const googleAdsDaily = byTable(
  googleAdsSource.streams({} as never) as AnyStream<unknown>[],
  'raw.google_ads_campaign_daily',
);
const postgresCampaign = byTable(postgresStreams as AnyStream<unknown>[], 'raw.postgres_campaign');

const exportConfig = { database: 'raw', tablePrefix: 'export_' } as HttpExportConfig;
const orders: Dataset = {
  name: 'orders',
  endpoint: '/api/export/orders/',
  primary_key: ['order_id'],
  strategy: 'full',
};
const ordersStream = datasetStream(exportConfig, orders) as AnyStream<unknown>;

/** The batch columns the real row typing gives the rows of a page (what the writer is handed). */
function batchColumns(existing: Map<string, string>, rows: Record<string, unknown>[]) {
  const typer = new RowTyper(orders, ordersStream.table, existing);
  for (const [index, row] of rows.entries()) typer.row(row, 1, index);
  return typer.columns();
}
const firstColumns = batchColumns(new Map(), [{ order_id: 1, status: 'paid' }]);
// A later page brings a field the table does not have yet: a run-time column.
const laterColumns = batchColumns(new Map(Object.entries(firstColumns)), [
  { order_id: 2, status: 'paid', amount: 12.5 },
]);

interface Scenario {
  name: string;
  /** Tables as they are when the scenario starts (single node, run for real). */
  setup(client: ClickHouseClient): Promise<void>;
  /** Tables the cluster's dry run reads; their `_local` copies stand in for the local tables. */
  tables: string[];
  step(client: ClickHouseClient, layout: TableLayout): Promise<void>;
}

const ensure =
  (stream: AnyStream<unknown>) => async (client: ClickHouseClient, layout: TableLayout) =>
    new ClickHouseWriter(client, silent, layout).ensureTable(stream);
const ensureState = async (client: ClickHouseClient, layout: TableLayout) =>
  new StateStore(client, undefined, layout).ensure();
const ordersWithColumns = (columns: Record<string, string>) => ({
  ...ordersStream,
  columns: { ...ordersStream.columns, ...columns },
});

const SCENARIOS: Scenario[] = [
  {
    // A stream with declared columns and a PARTITION BY, on a fresh warehouse: the step is a
    // first run's DDL (a later run issues none, see below).
    name: 'google-ads campaign_daily: create',
    setup: async () => {},
    tables: [],
    step: ensure(googleAdsDaily),
  },
  {
    name: 'extractor state table: create',
    setup: (client) => ensureState(client, SINGLE_NODE),
    tables: ['raw._extractor_state'],
    step: ensureState,
  },
  {
    name: 'postgres campaign: create',
    setup: async () => {},
    tables: [],
    step: ensure(postgresCampaign),
  },
  {
    // PostgreSQL's campaign.bid became numeric(20,4): the raw column is widened before a read.
    name: 'postgres campaign: widen a column',
    setup: (client) => ensure(postgresCampaign)(client, SINGLE_NODE),
    tables: [postgresCampaign.table],
    step: async (client, layout) => {
      setTableLayout(client, layout);
      const source: SourceColumn[] = [
        {
          name: 'bid',
          pgType: 'numeric(20,4)',
          clickhouse: 'Nullable(Decimal(20, 4))',
          unrepresentable: null,
          rejectsText: null,
          holds: 'Decimal(20, 4)',
        },
      ];
      const current = await tableColumnTypes(client, postgresCampaign.table);
      await evolveRawTable(
        client,
        postgresCampaign.table,
        CAMPAIGN_COLUMNS,
        source,
        silent,
        current,
      );
    },
  },
  {
    // The table was made from the first pages; a run's first batch brings a new field, so the
    // writer makes sure of the table with the batch's columns (what `insert` does first).
    name: 'http-export orders: run-time column',
    setup: (client) => ensure(ordersWithColumns(firstColumns))(client, SINGLE_NODE),
    tables: [ordersStream.table],
    step: (client, layout) => ensure(ordersWithColumns(laterColumns))(client, layout),
  },
];

let clickhouse: TestClickHouse;
const recorded = { single: new Map<string, string[]>(), cluster: new Map<string, string[]>() };

beforeAll(async () => {
  clickhouse = await openClickHouse();
  for (const scenario of SCENARIOS) {
    await scenario.setup(clickhouse.client);
    for (const table of scenario.tables) {
      await clickhouse.client.command({
        query: `CREATE TABLE IF NOT EXISTS ${qualified(localTable(table))} AS ${qualified(table)}`,
      });
    }
    const dry = recording(clickhouse.client, false);
    await scenario.step(dry.client, clusterLayout(CLUSTER));
    recorded.cluster.set(scenario.name, dry.statements);
    const real = recording(clickhouse.client, true);
    await scenario.step(real.client, SINGLE_NODE);
    recorded.single.set(scenario.name, real.statements);
  }
}, 120_000);

afterAll(async () => {
  await clickhouse?.destroy();
});

function render(statements: Map<string, string[]>): string {
  return [...statements]
    .map(([name, list]) => [`-- ${name}`, ...list.map((s) => `${s};`)].join('\n\n'))
    .join('\n\n')
    .concat('\n');
}

async function golden(file: string, text: string): Promise<string> {
  const target = path.join(GOLDEN, file);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(target, text);
  return readFile(target, 'utf8');
}

describe('table DDL, single node and cluster', () => {
  test('single node: the statements the real code ran match the golden SQL', async () => {
    const text = render(recorded.single);
    expect(text).toBe(await golden('single-node.sql', text));
  });

  test('cluster: the statements the real code issues match the golden SQL', async () => {
    const text = render(recorded.cluster);
    expect(text).toBe(await golden('cluster.sql', text));
  });

  test('a later run of a created table issues no DDL: one read finds it as declared', async () => {
    const stream = googleAdsDaily;
    const later = recording(clickhouse.client, true);
    await ensure(stream)(later.client, SINGLE_NODE);
    expect(later.statements).toEqual([]);
    // A column the stream widened on purpose (postgres_campaign.bid, above) counts as declared.
    const widened = recording(clickhouse.client, true);
    await ensure(postgresCampaign)(widened.client, SINGLE_NODE);
    expect(widened.statements).toEqual([]);
    await clickhouse.client.command({
      query: `CREATE TABLE IF NOT EXISTS ${qualified(localTable(stream.table))} AS ${qualified(stream.table)}`,
    });
    const laterOnCluster = recording(clickhouse.client, false);
    await ensure(stream)(laterOnCluster.client, clusterLayout(CLUSTER));
    expect(laterOnCluster.statements).toEqual([]);
    // It can fail: a table that lacks the index takes the DDL path again.
    await clickhouse.client.command({
      query: `ALTER TABLE ${qualified(googleAdsDaily.table)} DROP INDEX _loaded_at_minmax`,
    });
    const repair = recording(clickhouse.client, true);
    await ensure(googleAdsDaily)(repair.client, SINGLE_NODE);
    expect(repair.statements.some((s) => s.includes('ADD INDEX IF NOT EXISTS'))).toBe(true);
  });

  test('single node: the tables exist as ReplacingMergeTree with the new and widened columns', async () => {
    const engines = await queryRows<{ name: string; engine_full: string }>(
      clickhouse.client,
      `SELECT name, engine_full FROM system.tables WHERE database = 'raw' AND name IN ('google_ads_campaign_daily', '_extractor_state', 'postgres_campaign', 'export_orders') ORDER BY name`,
    );
    expect(engines.map((t) => t.name)).toEqual([
      '_extractor_state',
      'export_orders',
      'google_ads_campaign_daily',
      'postgres_campaign',
    ]);
    for (const table of engines)
      expect(table.engine_full).toMatch(/^ReplacingMergeTree\(_version\)/);
    const columns = await queryRows<{ table: string; name: string; type: string }>(
      clickhouse.client,
      `SELECT table, name, type FROM system.columns WHERE database = 'raw' AND ((table = 'postgres_campaign' AND name = 'bid') OR (table = 'export_orders' AND name = 'amount'))`,
    );
    expect(columns).toEqual(
      expect.arrayContaining([
        { table: 'postgres_campaign', name: 'bid', type: 'Nullable(Decimal(20, 4))' },
        { table: 'export_orders', name: 'amount', type: laterColumns.amount },
      ]),
    );
  });

  test("cluster: ClickHouse's parser accepts every statement", async () => {
    const all = [...recorded.cluster.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    for (const statement of all) {
      const [row] = await queryRows<{ f: string }>(
        clickhouse.client,
        `SELECT formatQuery(${quoteString(statement)}) AS f`,
      );
      expect(row?.f, statement).toContain(`ON CLUSTER ${CLUSTER}`);
    }
    // The check can fail: a broken statement is refused.
    await expect(
      queryRows(
        clickhouse.client,
        `SELECT formatQuery(${quoteString('CREATE TABLE t (x Int) ENGINE =')})`,
      ),
    ).rejects.toThrow(/Syntax error/);
  });

  test('cluster: every Distributed table is sharded by the ORDER BY key of its local table', () => {
    const creates = [...recorded.cluster.values()]
      .flat()
      .filter((s) => s.startsWith('CREATE TABLE'));
    const orderBy = new Map<string, string>();
    const shardedBy = new Map<string, string>();
    for (const create of creates) {
      const name = /^CREATE TABLE IF NOT EXISTS (\S+)/.exec(create)?.[1] as string;
      const order = /\nORDER BY \((.*)\)$/.exec(create)?.[1];
      const sharding =
        /Distributed\('adtech_cluster', '(\w+)', '(\w+)', cityHash64\((.*)\)\)$/.exec(create);
      if (order) {
        expect(create).toMatch(
          /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}', _version\)/,
        );
        orderBy.set(name, order);
      } else {
        expect(sharding, create).not.toBeNull();
        const [, database, local, key] = sharding as RegExpExecArray;
        expect(create).not.toContain('INDEX');
        shardedBy.set(`\`${database}\`.\`${local}\``, key as string);
      }
    }
    expect(shardedBy.size).toBe(4);
    for (const [local, key] of shardedBy) expect(key, local).toBe(orderBy.get(local));
  });

  test('cluster: column ALTERs go to the local and the Distributed table, index ALTERs to the local one', () => {
    const alters = [...recorded.cluster.values()].flat().filter((s) => s.startsWith('ALTER'));
    expect(alters).toContain(
      "ALTER TABLE `raw`.`postgres_campaign_local` ON CLUSTER 'adtech_cluster' MODIFY COLUMN `bid` Nullable(Decimal(20, 4))",
    );
    expect(alters).toContain(
      "ALTER TABLE `raw`.`postgres_campaign` ON CLUSTER 'adtech_cluster' MODIFY COLUMN `bid` Nullable(Decimal(20, 4))",
    );
    expect(alters.filter((s) => s.includes('ADD COLUMN IF NOT EXISTS `amount`'))).toEqual([
      `ALTER TABLE \`raw\`.\`export_orders_local\` ON CLUSTER 'adtech_cluster' ADD COLUMN IF NOT EXISTS \`amount\` ${laterColumns.amount}`,
      `ALTER TABLE \`raw\`.\`export_orders\` ON CLUSTER 'adtech_cluster' ADD COLUMN IF NOT EXISTS \`amount\` ${laterColumns.amount}`,
    ]);
    expect(SINGLE_NODE.alterStorage('raw.t', 'MATERIALIZE INDEX `i`')).toEqual([
      'ALTER TABLE `raw`.`t` MATERIALIZE INDEX `i`',
    ]);
    expect(clusterLayout(CLUSTER).alterStorage('raw.t', 'MATERIALIZE INDEX `i`')).toEqual([
      "ALTER TABLE `raw`.`t_local` ON CLUSTER 'adtech_cluster' MATERIALIZE INDEX `i`",
    ]);
  });
});

describe('CLICKHOUSE_CLUSTER setting', () => {
  test('unset: one server, the default layout', () => {
    expect(
      clickHouseSettingsFromEnv({ CLICKHOUSE_URL: 'http://127.0.0.1:1' }).cluster,
    ).toBeUndefined();
    expect(tableLayoutFor(clickhouse.client)).toBe(SINGLE_NODE);
  });

  test('set with a server: the client makes cluster tables and is named with its cluster in logs', async () => {
    const settings = clickHouseSettingsFromEnv({
      CLICKHOUSE_URL: 'http://127.0.0.1:1',
      CLICKHOUSE_CLUSTER: CLUSTER,
    });
    expect(describeClickHouse(settings)).toBe(
      `ClickHouse server http://127.0.0.1:1 (cluster ${CLUSTER})`,
    );
    // Creating a client does not connect.
    const client = await createClickHouseClient(settings);
    try {
      expect(tableLayoutFor(client).cluster).toBe(CLUSTER);
    } finally {
      await client.close();
    }
  });

  test('a malformed cluster name or a cluster without a server is a config error (exit 2)', async () => {
    for (const bad of ["x' ON CLUSTER 'y", 'has space', '-lead', 'a'.repeat(200)]) {
      const error = (() => {
        try {
          clickHouseSettingsFromEnv({
            CLICKHOUSE_URL: 'http://127.0.0.1:1',
            CLICKHOUSE_CLUSTER: bad,
          });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(exitCodeOf(error)).toBe(EXIT_USAGE);
      expect((error as Error).message).toMatch(/^CLICKHOUSE_CLUSTER .* is not a cluster name/);
    }
    const embedded = clickHouseSettingsFromEnv({
      CLICKHOUSE_PATH: clickhouse.path,
      CLICKHOUSE_CLUSTER: CLUSTER,
    });
    await expect(createClickHouseClient(embedded)).rejects.toThrow(
      /CLICKHOUSE_CLUSTER is set \(adtech_cluster\) but CLICKHOUSE_URL is not/,
    );
    await expect(createClickHouseClient(embedded)).rejects.toBeInstanceOf(ConfigError);
  });

  test('a cluster the server does not define is a config error before any table is made', async () => {
    // The embedded engine defines no cluster: what a server without that remote_servers entry says.
    const error = await assertClusterDefined(clickhouse.client, 'no_such_cluster').catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeOf(error)).toBe(EXIT_USAGE);
    expect((error as Error).message).toMatch(
      /^CLICKHOUSE_CLUSTER no_such_cluster is not a cluster of this server \(system\.clusters/,
    );
  });

  test('extract exits 2 with the reason for a bad cluster setting, and makes nothing', async () => {
    const base = {
      PG_URL: 'postgresql://reader@127.0.0.1:1/adtech',
      CLICKHOUSE_PATH: clickhouse.path,
    };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { CLICKHOUSE_CLUSTER: CLUSTER },
        /CLICKHOUSE_CLUSTER is set \(adtech_cluster\) but CLICKHOUSE_URL is not/,
      ],
      [{ CLICKHOUSE_CLUSTER: 'bad name' }, /CLICKHOUSE_CLUSTER "bad name" is not a cluster name/],
    ];
    for (const [env, reason] of cases) {
      let stderr = '';
      const code = await main(
        ['postgres', '--init-only'],
        { ...base, ...env },
        {
          stdout: () => {},
          stderr: (text) => {
            stderr += text;
          },
        },
      );
      expect(code, stderr).toBe(EXIT_USAGE);
      expect(stderr).toMatch(reason);
    }
    const made = await queryRows(
      clickhouse.client,
      "SELECT name FROM system.tables WHERE database = 'raw' AND name IN ('postgres_advertiser', 'postgres_impressions')",
    );
    expect(made).toEqual([]);
  });

  test("the cluster client's settings are settings ClickHouse knows, with values it accepts", async () => {
    const names = Object.keys(CLUSTER_CLIENT_SETTINGS);
    const known = await queryRows<{ name: string }>(
      clickhouse.client,
      `SELECT name FROM system.settings WHERE name IN (${names.map(quoteString).join(', ')})`,
    );
    expect(known.map((s) => s.name).sort()).toEqual([...names].sort());
    const result = await clickhouse.client.query({
      query: 'SELECT 1 AS ok',
      format: 'JSONEachRow',
      clickhouse_settings: CLUSTER_CLIENT_SETTINGS,
    });
    expect(await result.json()).toEqual([{ ok: 1 }]);
  });
});
