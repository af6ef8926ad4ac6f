/**
 * dbt's side of a replicated ClickHouse (README, "Replicated ClickHouse"), as real dbt reads the
 * project: CLICKHOUSE_CLUSTER reaches dbt-clickhouse as its `cluster` and `cluster_mode`
 * credentials (so it creates every model ON CLUSTER), and the table models get a replicated
 * engine. Unset, the profile and the models are what they were: no cluster, MergeTree().
 * Nothing here connects anywhere but a closed loopback port (there is no cluster to run on).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbtManifest, readManifest, runDbt } from '../support/dbt.js';

const CLUSTER = 'adtech_cluster';
const ALL_ON = Object.fromEntries(
  [
    'app_store',
    'clevertap',
    'facebook_ads',
    'google_ads',
    'google_analytics',
    'google_play',
    'http_export',
  ].map((platform) => [`${platform}_enabled`, true]),
);
// A closed port on loopback: parse never connects, debug fails its connection test after
// printing the credentials it rendered.
const SERVER = { CLICKHOUSE_URL: 'http://127.0.0.1:9' };

let workRoot: string;
const manifests = new Map<string, DbtManifest>();
const debugOutput = new Map<string, string>();

const tableModels = (manifest: DbtManifest) =>
  Object.values(manifest.nodes).filter(
    (node) => node.resource_type === 'model' && node.config.materialized !== 'view',
  );

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(os.tmpdir(), 'adtech-dbt-cluster-'));
  for (const cluster of ['', CLUSTER]) {
    const env = { ...SERVER, ...(cluster && { CLICKHOUSE_CLUSTER: cluster }) };
    const label = cluster || 'single';
    const [parsed, debug] = await Promise.all([
      runDbt(
        ['parse', '--no-partial-parse', '--vars', JSON.stringify(ALL_ON)],
        env,
        path.join(workRoot, `parse-${label}`),
      ),
      runDbt(['debug'], env, path.join(workRoot, `debug-${label}`)),
    ]);
    expect(parsed.exitCode, parsed.output).toBe(0);
    manifests.set(label, await readManifest(parsed));
    debugOutput.set(label, debug.output);
  }
}, 300_000);

afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

describe('dbt with CLICKHOUSE_CLUSTER', () => {
  it('renders the cluster into the profile: dbt-clickhouse creates models ON CLUSTER', () => {
    const output = debugOutput.get(CLUSTER) ?? '';
    expect(output).toMatch(new RegExp(`^.*\\bcluster: ${CLUSTER}$`, 'm'));
    expect(output).toMatch(/^.*\bcluster_mode: True$/m);
  });

  it('makes every table and incremental model a ReplicatedMergeTree with a replica on each node', () => {
    const models = tableModels(manifests.get(CLUSTER) as DbtManifest);
    expect(models.length).toBeGreaterThan(10);
    for (const model of models) {
      expect(model.config.engine, model.name).toBe(
        "ReplicatedMergeTree('/clickhouse/tables/{uuid}/all', '{replica}')",
      );
    }
  });
});

describe('dbt without CLICKHOUSE_CLUSTER (the default)', () => {
  it('renders no cluster: dbt-clickhouse issues no ON CLUSTER', () => {
    const output = debugOutput.get('single') ?? '';
    expect(output).toMatch(/^.*\bcluster: $/m);
    expect(output).toMatch(/^.*\bcluster_mode: False$/m);
  });

  it('keeps MergeTree() on every table and incremental model', () => {
    const single = manifests.get('single') as DbtManifest;
    const models = tableModels(single);
    expect(models.map((m) => m.name).sort()).toEqual(
      tableModels(manifests.get(CLUSTER) as DbtManifest)
        .map((m) => m.name)
        .sort(),
    );
    for (const model of models) expect(model.config.engine, model.name).toBe('MergeTree()');
  });
});
