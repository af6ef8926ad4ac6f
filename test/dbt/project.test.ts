/**
 * Checks of the dbt project in dbt/ as real dbt reads it (`dbt parse`, its manifest.json): every
 * ref and source resolves (dbt refuses otherwise), `dbt parse --warn-error
 * --show-all-deprecations` passes, models follow dbt's structure guide, marts carry their
 * ClickHouse physical design, the ad-platform models and sources sit behind their
 * `<platform>_enabled` vars, the profile holds no literal secret, and the versions are pinned.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  type DbtManifest,
  type DbtResult,
  type ManifestNode,
  readManifest,
  runDbt,
} from '../support/dbt.js';

const DBT_DIR = path.resolve(import.meta.dirname, '../../dbt');
const LOCK = path.resolve(import.meta.dirname, '../../python/dbt/requirements.lock');
const PLATFORMS = [
  'app_store',
  'clevertap',
  'facebook_ads',
  'google_ads',
  'google_analytics',
  'google_play',
  'http_export',
] as const;
const ALL_ON = Object.fromEntries(PLATFORMS.map((p) => [`${p}_enabled`, true]));
// dbt parse renders the profile but never connects.
const PARSE_ENV = { CLICKHOUSE_URL: 'http://127.0.0.1:9' };

let workRoot: string;
let parses = 0;
async function parse(
  vars?: Record<string, unknown>,
): Promise<{ result: DbtResult; manifest: DbtManifest }> {
  parses += 1;
  const args = ['parse', '--warn-error', '--show-all-deprecations', '--no-partial-parse'];
  if (vars) args.push('--vars', JSON.stringify(vars));
  const result = await runDbt(args, PARSE_ENV, path.join(workRoot, `parse-${parses}`));
  expect(result.exitCode, result.output).toBe(0);
  return { result, manifest: await readManifest(result) };
}

const models = (manifest: DbtManifest): ManifestNode[] =>
  Object.values(manifest.nodes).filter((node) => node.resource_type === 'model');
const modelNames = (manifest: DbtManifest) =>
  models(manifest)
    .map((model) => model.name)
    .sort();
/** `staging`, `intermediate` or `marts`: the model's folder under models/. */
const layer = (node: ManifestNode) => node.original_file_path.split('/')[1] ?? '';
/** The platform folder of a staging model or source (`models/staging/<platform>/`). */
const platformFolder = (file: string) =>
  file.split('/')[1] === 'staging' ? file.split('/')[2] : '';

let allOn: DbtManifest;
let defaults: DbtManifest;
let defaultsOutput: string;
const byVars = new Map<string, DbtManifest>();

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(os.tmpdir(), 'adtech-dbt-parse-'));
  // Two parses at a time: the machine has two cores.
  const [on, off] = await Promise.all([parse(ALL_ON), parse()]);
  allOn = on.manifest;
  defaults = off.manifest;
  defaultsOutput = off.result.output;
  const single = [{ facebook_ads_enabled: true }, { google_ads_enabled: true }];
  const manifests = await Promise.all(single.map((vars) => parse(vars)));
  for (const [i, vars] of single.entries())
    byVars.set(JSON.stringify(vars), manifests[i]!.manifest);
  byVars.set(JSON.stringify(ALL_ON), allOn);
}, 180_000);
afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

describe('the dbt project, as dbt parses it', () => {
  it('parses with --warn-error --show-all-deprecations and no deprecation', () => {
    expect(defaultsOutput).not.toMatch(/deprecat/i);
  });

  it('has the staging, intermediate and report models', () => {
    expect(modelNames(defaults)).toEqual(
      expect.arrayContaining([
        'stg_postgres__advertisers',
        'stg_postgres__campaigns',
        'stg_postgres__impressions',
        'stg_postgres__clicks',
        'int_advertiser_campaigns',
        'int_impressions_by_day',
        'int_clicks_by_day',
        'advertiser_campaigns_totals_report',
        'advertiser_campaigns_daily_ctr_report',
      ]),
    );
  });

  it('calls source() only in staging, and staging never refs another model', () => {
    for (const model of models(allOn)) {
      const deps = model.depends_on.nodes;
      if (layer(model) === 'staging') {
        expect(
          deps.filter((d) => !d.startsWith('source.')),
          `${model.name} refs from staging`,
        ).toEqual([]);
      } else {
        expect(
          deps.filter((d) => d.startsWith('source.')),
          `${model.name} reads a source`,
        ).toEqual([]);
      }
    }
  });

  it('has no staging model that feeds nothing', () => {
    const used = new Set(models(allOn).flatMap((model) => model.depends_on.nodes));
    // http-export stages whatever datasets a company's own backend serves; the shipped model is
    // the example manifest's `orders`, and the marts over a backend's datasets are the
    // deployment's own.
    const endpoints = new Set(['stg_http_export__orders']);
    for (const model of models(allOn).filter((m) => layer(m) === 'staging')) {
      if (endpoints.has(model.name)) continue;
      expect(used.has(model.unique_id), `${model.name} feeds no model`).toBe(true);
    }
  });

  it('prefixes intermediate models int_ and keeps them out of the database Superset reads', () => {
    for (const model of models(allOn)) {
      const expected = { staging: 'staging', intermediate: 'intermediate', marts: 'analytics' }[
        layer(model)
      ];
      expect(model.schema, model.name).toBe(expected);
      if (layer(model) === 'intermediate')
        expect(model.name, model.original_file_path).toMatch(/^int_/);
      if (layer(model) === 'staging') expect(model.name).toMatch(/^stg_[a-z_]+__[a-z_]+$/);
    }
  });

  it('declares the raw sources with freshness on _loaded_at, under config', () => {
    const sources = Object.values(defaults.sources).filter((s) => s.source_name === 'postgres');
    expect(sources.map((s) => `${s.schema}.${s.identifier}`).sort()).toEqual([
      'raw.postgres_advertiser',
      'raw.postgres_campaign',
      'raw.postgres_clicks',
      'raw.postgres_impressions',
    ]);
    for (const source of Object.values(allOn.sources)) {
      expect(source.loaded_at_field, source.unique_id).toBe('_loaded_at');
      expect(source.freshness.error_after?.count, source.unique_id).toBeGreaterThan(0);
    }
    for (const file of PLATFORMS.map((p) => `staging/${p}/_${p}__sources.yml`).concat(
      'staging/postgres/_postgres__sources.yml',
    )) {
      const yaml = parseYaml(readFileSync(path.join(DBT_DIR, 'models', file), 'utf8'));
      for (const source of yaml.sources) {
        expect(source.freshness, `${file}: freshness at the top level`).toBeUndefined();
        expect(source.loaded_at_field, `${file}: loaded_at_field at the top level`).toBeUndefined();
        expect(source.config?.loaded_at_field, file).toBe('_loaded_at');
      }
    }
  });

  it('gives every model a description and documents its columns', () => {
    for (const model of models(allOn)) {
      expect(model.description.trim(), `${model.name} has no YAML description`).toBeTruthy();
      expect(
        Object.keys(model.columns).length,
        `${model.name} documents no columns`,
      ).toBeGreaterThan(0);
    }
  });

  it('sets engine and order_by on every table or incremental model', () => {
    for (const model of models(allOn)) {
      const { config } = model;
      if (config.materialized === 'view') continue;
      expect(String(config.engine ?? 'no engine'), `${model.name} sets no engine`).toMatch(
        /MergeTree/,
      );
      expect(config.order_by, `${model.name} sets no order_by`).toBeTruthy();
      if (config.materialized === 'incremental') {
        // insert_overwrite of dbt-clickhouse 1.10 fails on ClickHouse 26.6+; legacy swaps a
        // rebuilt copy in atomically without lightweight-delete mutations.
        expect(config.incremental_strategy, model.name).toBe('legacy');
        expect(config.unique_key, model.name).toBeTruthy();
      }
      if (
        /^(int_(impressions|clicks)_by_day|advertiser_campaigns_daily_ctr_report)$/.test(model.name)
      ) {
        expect(config.partition_by, `${model.name} partition_by`).toBeTruthy();
      }
    }
  });

  it('tests keys, relationships, statuses and CTR ranges', () => {
    const tests = Object.values(defaults.nodes).filter((node) => node.resource_type === 'test');
    const declared = tests.map((test) => {
      const kwargs = test.test_metadata?.kwargs ?? {};
      const model = String(test.attached_node ?? '')
        .split('.')
        .at(-1);
      return `${test.test_metadata?.name}:${model}.${kwargs.column_name ?? ''}`;
    });
    expect(declared).toEqual(
      expect.arrayContaining([
        'unique:advertiser_campaigns_totals_report.campaign_id',
        'not_null:advertiser_campaigns_totals_report.campaign_id',
        'relationships:int_advertiser_campaigns.advertiser_id',
        'accepted_values:advertiser_campaigns_totals_report.status',
        'value_between:advertiser_campaigns_totals_report.ctr',
        'value_between:advertiser_campaigns_daily_ctr_report.ctr',
        'unique:advertiser_campaigns_daily_ctr_report.(campaign_id, activity_date)',
      ]),
    );
  });
});

describe('the ad-platform switches', () => {
  const projectYaml = parseYaml(readFileSync(path.join(DBT_DIR, 'dbt_project.yml'), 'utf8'));
  const staging = (section: 'models' | 'sources') =>
    projectYaml[section].adtech_pipeline.staging as Record<string, Record<string, unknown>>;

  it('are vars that default to false, so a fresh stack builds without ad raw tables', () => {
    for (const platform of PLATFORMS) expect(projectYaml.vars[`${platform}_enabled`]).toBe(false);
  });

  it('guard every staging folder and source except postgres with the folder var, with a default', () => {
    const folders = new Set(
      [
        ...models(allOn).map((m) => m.original_file_path),
        ...Object.values(allOn.sources).map((s) => s.original_file_path),
      ]
        .map(platformFolder)
        .filter((folder): folder is string => !!folder && folder !== 'postgres'),
    );
    expect([...folders].sort()).toEqual([...PLATFORMS].sort());
    for (const platform of PLATFORMS) {
      // `var()` in dbt_project.yml sees only --vars, so the default must be repeated there.
      const guard = `{{ var('${platform}_enabled', false) }}`;
      expect(staging('models')[platform]?.['+enabled'], `models: staging.${platform}`).toBe(guard);
      expect(staging('sources')[platform]?.['+enabled'], `sources: staging.${platform}`).toBe(
        guard,
      );
    }
  });

  it('turn exactly their own platform on and off', () => {
    const platformOf = (name: string) => PLATFORMS.find((p) => name.includes(`_${p}__`));
    const platformModels = (manifest: DbtManifest, platform: string) =>
      modelNames(manifest).filter((name) => platformOf(name) === platform);
    for (const platform of ['facebook_ads', 'google_ads']) {
      const on = byVars.get(JSON.stringify({ [`${platform}_enabled`]: true }))!;
      expect(
        modelNames(on).filter((name) => platformOf(name)),
        platform,
      ).toEqual(platformModels(allOn, platform));
      expect(new Set(Object.values(on.sources).map((s) => s.source_name)), platform).toEqual(
        new Set(['postgres', platform]),
      );
    }
    // By default every platform's models are parsed but disabled, and only postgres is a source.
    expect(modelNames(defaults).filter((name) => platformOf(name))).toEqual([]);
    const disabled = Object.values(defaults.disabled ?? {})
      .flat()
      .filter((node) => node.resource_type === 'model')
      .map((node) => node.name);
    for (const platform of PLATFORMS) {
      expect(disabled, platform).toEqual(expect.arrayContaining(platformModels(allOn, platform)));
    }
    expect(new Set(Object.values(defaults.sources).map((s) => s.source_name))).toEqual(
      new Set(['postgres']),
    );
  });

  it('give ads_daily_performance the enabled platforms only, and disable it with none', () => {
    const mart = (manifest: DbtManifest) =>
      models(manifest).find((model) => model.name === 'ads_daily_performance');
    // The seed mapping ad accounts to advertisers is read whichever platforms are on.
    const cases: [Record<string, boolean>, string[]][] = [
      [
        { facebook_ads_enabled: true },
        ['ad_account_advertisers', 'int_facebook_ads__campaign_daily'],
      ],
      [{ google_ads_enabled: true }, ['ad_account_advertisers', 'int_google_ads__campaign_daily']],
      [
        ALL_ON,
        [
          'ad_account_advertisers',
          'int_facebook_ads__campaign_daily',
          'int_google_ads__campaign_daily',
        ],
      ],
    ];
    expect(mart(defaults)).toBeUndefined();
    for (const [vars, refs] of cases) {
      const manifest = byVars.get(JSON.stringify(vars))!;
      const label = JSON.stringify(vars);
      const model = mart(manifest);
      if (refs.length === 0) {
        expect(model, label).toBeUndefined();
        continue;
      }
      expect(model?.depends_on.nodes.map((id) => id.split('.').at(-1)).sort(), label).toEqual(refs);
    }
  });
});

describe('profiles.yml', () => {
  const profiles = parseYaml(readFileSync(path.join(DBT_DIR, 'profiles.yml'), 'utf8'));
  const outputs = Object.entries(
    profiles.adtech_pipeline.outputs as Record<string, Record<string, unknown>>,
  );
  const fromEnv = /^\{\{\s*env_var\('[A-Z_]+'(,\s*'[^']*')?\)\s*(\|\s*as_number\s*)?\}\}$/;

  it('reads connection values and the password only through env_var()', () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const [name, output] of outputs) {
      expect(output.type, name).toBe('clickhouse');
      expect(output.driver, name).toBe('http');
      for (const key of ['host', 'port', 'user', 'password', 'schema']) {
        expect(String(output[key]), `${name}.${key}`).toMatch(fromEnv);
      }
      // The password has no default at all beyond the empty string.
      expect(String(output.password)).toMatch(/env_var\('CLICKHOUSE_PASSWORD'(, '')?\)/);
    }
  });

  it('holds no other literal that looks like a secret', () => {
    const text = readFileSync(path.join(DBT_DIR, 'profiles.yml'), 'utf8');
    for (const line of text.split('\n')) {
      if (/(password|secret|token|key)\s*:/i.test(line)) expect(line).toMatch(/env_var\(/);
    }
  });
});

describe('pinned versions and image', () => {
  it('pins dbt-core 1.11.x and dbt-clickhouse 1.10.x with hashes, and the image installs that lock', () => {
    const lock = readFileSync(LOCK, 'utf8');
    expect(lock).toMatch(/^dbt-core==1\.11\.\d+ \\\n\s+--hash=sha256:/m);
    expect(lock).toMatch(/^dbt-clickhouse==1\.10\.\d+ \\\n\s+--hash=sha256:/m);
    const dockerfile = readFileSync(path.join(DBT_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY python\/dbt\/requirements\.lock /m);
    expect(dockerfile).toMatch(/pip install --require-hashes --requirement /);
  });

  it('builds a non-root image whose entrypoint is dbt, with the project as working folder', () => {
    const dockerfile = readFileSync(path.join(DBT_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM python:\d+\.\d+\.\d+-slim/m);
    expect(dockerfile).toMatch(/^USER dbt$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["dbt"\]$/m);
    expect(dockerfile).toMatch(/DBT_PROFILES_DIR=\/usr\/app\/dbt/);
    expect(dockerfile).toMatch(/^WORKDIR \/usr\/app\/dbt$/m);
  });
});
