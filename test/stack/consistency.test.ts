import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, listExternalResources, loadProject } from '../../codegen/index.js';
import { composeImages, loadCompose, readYaml, repoRoot } from './stack-files.js';

/**
 * The parts of the stack agree with each other: what the generated DAGs run and read exists in
 * docker-compose.yml and in what airflow-init creates; dbt talks to the compose ClickHouse.
 */

const compose = loadCompose();
const { ir, diagnostics } = loadProject({
  specsDir: path.join(repoRoot, 'dag-specs'),
  contractsDir: path.join(repoRoot, 'extractors'),
  displayBase: repoRoot,
});

interface Resources {
  pools: { name: string; slots: number }[];
  variables: { key: string; env?: string; value?: string; required?: boolean }[];
  connections: { conn_id: string; required?: boolean; [field: string]: unknown }[];
}
const resources = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'airflow/bootstrap/resources.json'), 'utf8'),
) as Resources;
const initEnv = compose.services['airflow-init']?.environment ?? {};

const dagFiles = fs
  .readdirSync(path.join(repoRoot, 'airflow/dags'))
  .filter((f) => f.endsWith('.py'))
  .map((f) => ({
    file: `airflow/dags/${f}`,
    text: fs.readFileSync(path.join(repoRoot, 'airflow/dags', f), 'utf8'),
  }));

/** Every `key="value"` of the generated operator calls, per file. */
function generatedValues(key: string): { file: string; value: string }[] {
  const pattern = new RegExp(`\\b${key}="([^"]+)"`, 'g');
  return dagFiles.flatMap(({ file, text }) =>
    [...text.matchAll(pattern)].map((m) => ({ file, value: m[1] ?? '' })),
  );
}

describe('stack consistency', () => {
  it('the specs compile', () => {
    expect(diagnostics.filter((d) => d.code.startsWith('E')).map(formatDiagnostic)).toEqual([]);
    expect(ir).not.toBeNull();
  });

  it('every image a generated DAG runs is built or pulled by compose', () => {
    const images = composeImages(compose);
    const used = generatedValues('image');
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter(({ value }) => !images.has(value))).toEqual([]);
  });

  it('the network and Docker socket the DAG tasks use are the ones compose provides', () => {
    const networks = new Set(generatedValues('network_mode').map((n) => n.value));
    expect(networks).toEqual(new Set([compose.networks?.default?.name]));
    const urls = new Set(generatedValues('docker_url').map((n) => n.value));
    expect(urls).toEqual(new Set(['unix://var/run/docker.sock']));
    expect(compose.services['airflow-scheduler']?.volumes).toContain(
      '/var/run/docker.sock:/var/run/docker.sock',
    );
  });

  it('airflow-init creates every pool, Variable and Connection the DAGs use', () => {
    if (!ir) throw new Error('specs do not compile');
    const needed = listExternalResources(ir);
    const pools = new Map(resources.pools.map((p) => [p.name, p.slots]));
    expect(
      needed.pools
        .filter((p) => pools.get(p.name) !== p.slots)
        .map((p) => `${p.name} (${p.slots} slots)`),
    ).toEqual([]);
    // Also the pools tasks actually name (default_pool exists in every Airflow).
    const taskPools = new Set(ir.dags.flatMap((d) => d.tasks.map((t) => t.pool)));
    expect([...taskPools].filter((p) => p !== 'default_pool' && !pools.has(p))).toEqual([]);
    const variables = new Set(resources.variables.map((v) => v.key));
    expect(needed.variables.filter((v) => !variables.has(v))).toEqual([]);
    const connections = new Set(resources.connections.map((c) => c.conn_id));
    expect(needed.connections.filter((c) => !connections.has(c))).toEqual([]);
  });

  it('every value airflow-init reads from its environment is passed by compose', () => {
    const envNames = [
      ...resources.variables.flatMap((v) => (v.env ? [v.env] : [])),
      ...resources.connections.flatMap((c) =>
        Object.entries(c)
          .filter(([key]) => key.endsWith('_env'))
          .map(([, value]) => String(value)),
      ),
    ];
    expect(envNames.filter((name) => !(name in initEnv))).toEqual([]);
    // The secrets the OLTP and warehouse DAGs cannot run without are required, not skippable.
    const required = resources.variables.filter((v) => v.required).map((v) => v.key);
    expect(required).toEqual(
      expect.arrayContaining(['adtech_clickhouse_password', 'adtech_pg_url']),
    );
  });

  it('the PG_URL given to Airflow and to the seed job is the compose OLTP database', () => {
    const url = /^postgresql:\/\/[^@]+@([^:/]+):(\d+)\/(\w+)$/;
    for (const value of [initEnv.PG_URL, compose.services['oltp-seed']?.environment?.PG_URL]) {
      const [, host, port, database] = url.exec(String(value)) ?? [];
      expect([host, port, database]).toEqual([
        'postgres',
        '5432',
        compose.services.postgres?.environment?.POSTGRES_DB,
      ]);
    }
  });

  it('the tasks reach the compose ClickHouse with the user compose creates', () => {
    const project = readYaml<{
      environment: Record<string, string>;
      dbt: { environment: Record<string, string> };
    }>(path.join(repoRoot, 'dag-specs/_project.yaml'));
    expect(new URL(project.environment.CLICKHOUSE_URL ?? '').host).toBe('clickhouse:8123');
    expect(compose.services.clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:/);
    const example = fs.readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    const exampleUser = /^CLICKHOUSE_USER=(.*)$/m.exec(example)?.[1];
    expect(project.environment.CLICKHOUSE_USER).toBe(exampleUser);
    expect(project.dbt.environment.CLICKHOUSE_HOST).toBe('clickhouse');
  });

  it("dbt's profile points at the compose ClickHouse service, in the dbt container and in DAG tasks", () => {
    const profiles = readYaml<
      Record<string, { outputs: Record<string, { host: string; port: string }> }>
    >(path.join(repoRoot, 'dbt/profiles.yml'));
    const outputs = Object.values(profiles).flatMap((profile) => Object.values(profile.outputs));
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      // `{{ env_var('CLICKHOUSE_HOST', 'clickhouse') }}`: the variable, and its default.
      const [, variable, fallback] = /env_var\('(\w+)',\s*'([^']*)'\)/.exec(output.host) ?? [];
      expect(fallback).toBe('clickhouse');
      expect(compose.services.dbt?.environment?.[variable ?? '']).toBe('clickhouse');
      expect(output.port).toMatch(/8123/);
    }
    expect(compose.services.dbt?.depends_on?.clickhouse?.condition).toBe('service_healthy');
  });
});
