/**
 * Static checks on the dbt project in dbt/: it parses within the runner's Jinja subset, every
 * ref and source resolves, every model is documented, marts carry their ClickHouse physical
 * design, the ad-platform models and sources sit behind their `<platform>_enabled` vars, the
 * profile holds no literal secret, and the versions are pinned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Compiler } from '../../dbt-runner/compile.js';
import { loadProject } from '../../dbt-runner/project.js';
import { dependencyOrder } from '../../dbt-runner/runner.js';

const DBT_DIR = path.resolve(import.meta.dirname, '../../dbt');
const project = loadProject(DBT_DIR);
const PLATFORMS = ['facebook_ads', 'google_ads', 'google_analytics'] as const;
const compilerWith = (vars: Record<string, unknown>) =>
  new Compiler(project, { targetSchema: 'analytics', targetName: 'ci', vars });
// Every model on, so the checks below cover the ad-platform models too.
const compiler = compilerWith(Object.fromEntries(PLATFORMS.map((p) => [`${p}_enabled`, true])));
const models = [...project.models.values()];

describe('the dbt project', () => {
  it('has the staging, entity and report models', () => {
    expect(models.map((model) => model.name)).toEqual(
      expect.arrayContaining([
        'stg_postgres__advertisers',
        'stg_postgres__campaigns',
        'stg_postgres__impressions',
        'stg_postgres__clicks',
        'advertiser_campaigns',
        'advertiser_campaigns_impressions',
        'advertiser_campaigns_clicks',
        'advertiser_campaigns_totals_report',
        'advertiser_campaigns_daily_ctr_report',
      ]),
    );
  });

  it('resolves every ref and source, and orders the models without a cycle', () => {
    for (const model of models) {
      const { refs, sources } = compiler.parse(model);
      for (const ref of refs)
        expect(project.models.has(ref), `${model.file}: ref('${ref}')`).toBe(true);
      for (const source of sources) {
        expect(project.sources.has(source), `${model.file}: source ${source}`).toBe(true);
      }
    }
    expect(dependencyOrder(project, compiler)).toHaveLength(models.length);
  });

  it('calls source() only in staging, and staging never refs another model', () => {
    for (const model of models) {
      const { refs, sources } = compiler.parse(model);
      const staging = model.fqn[0] === 'staging';
      if (!staging) expect(sources, `${model.file} reads a source outside staging`).toEqual([]);
      if (staging) expect(refs, `${model.file} refs from staging`).toEqual([]);
    }
  });

  it('declares the raw sources with freshness on _loaded_at', () => {
    const sources = [...project.sources.values()].filter((s) => s.source === 'postgres');
    expect(sources.map((s) => `${s.schema}.${s.identifier}`).sort()).toEqual([
      'raw.postgres_advertiser',
      'raw.postgres_campaign',
      'raw.postgres_clicks',
      'raw.postgres_impressions',
    ]);
    for (const source of sources) expect(source.loadedAtField).toBe('_loaded_at');
  });

  it('gives every model a YAML entry with a description, and no YAML entry lacks a model', () => {
    for (const model of models) {
      expect(model.description?.trim(), `${model.file} has no YAML description`).toBeTruthy();
      expect(model.columns.length, `${model.file} documents no columns`).toBeGreaterThan(0);
    }
    expect(project.yamlOnlyModels).toEqual([]);
  });

  it('lands staging in `staging` and everything else in exactly `analytics`', () => {
    for (const model of models) {
      const { schema } = compiler.relationOf(model, compiler.parse(model).config);
      expect(schema, model.file).toBe(model.fqn[0] === 'staging' ? 'staging' : 'analytics');
    }
  });

  it('sets engine and order_by on every table or incremental model', () => {
    for (const model of models) {
      const { config } = compiler.parse(model);
      if (config.materialized === 'view') continue;
      expect(String(config.engine ?? 'no engine'), `${model.file} sets no engine`).toMatch(
        /MergeTree/,
      );
      expect(config.order_by, `${model.file} sets no order_by`).toBeTruthy();
      if (config.materialized === 'incremental') {
        // insert_overwrite of dbt-clickhouse 1.10.1 fails on ClickHouse 26.6+; legacy swaps a
        // rebuilt copy in atomically without lightweight-delete mutations.
        expect(config.incremental_strategy, model.file).toBe('legacy');
        expect(config.unique_key, model.file).toBeTruthy();
      }
      if (/^advertiser_campaigns_(impressions|clicks|daily_ctr_report)$/.test(model.name)) {
        expect(config.partition_by, `${model.file} partition_by`).toBeTruthy();
      }
    }
  });

  it('tests keys, relationships, statuses and CTR ranges', () => {
    const declared = project.tests.map((test) => `${test.test}:${test.model}.${test.column}`);
    expect(declared).toEqual(
      expect.arrayContaining([
        'unique:advertiser_campaigns_totals_report.campaign_id',
        'not_null:advertiser_campaigns_totals_report.campaign_id',
        'relationships:advertiser_campaigns.advertiser_id',
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
  /** The platform folder a model or a source's YAML lives in (`staging/<platform>/`). */
  const modelFolder = (model: { fqn: string[] }) =>
    model.fqn[0] === 'staging' ? model.fqn[1] : '';
  const sourceFolder = (source: { file: string }) => source.file.split('/')[2] ?? '';
  const sources = [...project.sources.entries()];

  it('are vars that default to false, so a fresh stack builds without ad raw tables', () => {
    for (const platform of PLATFORMS) expect(project.vars[`${platform}_enabled`]).toBe(false);
  });

  it('guard every staging folder and source except postgres with the folder var', () => {
    const folders = new Set([
      ...models.map(modelFolder),
      ...sources.map(([, source]) => sourceFolder(source)),
    ]);
    folders.delete('');
    folders.delete('postgres');
    expect([...folders].sort()).toEqual([...PLATFORMS]);
    for (const platform of PLATFORMS) {
      const guard = `{{ var('${platform}_enabled') }}`;
      expect(staging('models')[platform]?.['+enabled'], `models: staging.${platform}`).toBe(guard);
      expect(staging('sources')[platform]?.['+enabled'], `sources: staging.${platform}`).toBe(
        guard,
      );
    }
  });

  it('turn exactly their own folder on and off', () => {
    for (const platform of PLATFORMS) {
      const on = compilerWith({ [`${platform}_enabled`]: true });
      const off = compilerWith({});
      for (const model of models.filter((m) => modelFolder(m) === platform)) {
        expect(on.isEnabled(model), `${model.file} with the var true`).toBe(true);
        expect(off.isEnabled(model), `${model.file} by default`).toBe(false);
      }
      for (const [key] of sources.filter(([, s]) => sourceFolder(s) === platform)) {
        expect(on.isSourceEnabled(key), `${key} with the var true`).toBe(true);
        expect(off.isSourceEnabled(key), `${key} by default`).toBe(false);
      }
    }
    const off = compilerWith({});
    for (const model of models.filter((m) => !PLATFORMS.some((p) => p === modelFolder(m)))) {
      if (model.name !== 'ads_daily_performance')
        expect(off.isEnabled(model), model.file).toBe(true);
    }
  });

  it('give ads_daily_performance the enabled platforms only, and disable it with none', () => {
    const mart = project.models.get('ads_daily_performance')!;
    const cases: [Record<string, boolean>, string[]][] = [
      [{}, []],
      [{ facebook_ads_enabled: true }, ['stg_facebook_ads__ad_insights']],
      [{ google_ads_enabled: true }, ['stg_google_ads__campaign_daily']],
      [
        { facebook_ads_enabled: true, google_ads_enabled: true },
        ['stg_facebook_ads__ad_insights', 'stg_google_ads__campaign_daily'],
      ],
      [{ google_analytics_enabled: true }, []],
    ];
    for (const [vars, refs] of cases) {
      const withVars = compilerWith(vars);
      const label = JSON.stringify(vars);
      expect(withVars.isEnabled(mart), label).toBe(refs.length > 0);
      expect(withVars.parse(mart).refs.sort(), label).toEqual(refs);
      // dependencyOrder refuses an enabled model that refs a disabled one or reads a disabled
      // source; it passes for every combination, the defaults included.
      const order = dependencyOrder(project, withVars).map((model) => model.name);
      expect(order.includes('ads_daily_performance'), label).toBe(refs.length > 0);
    }
  });
});

describe('profiles.yml', () => {
  const profiles = parseYaml(readFileSync(path.join(DBT_DIR, 'profiles.yml'), 'utf8'));
  const outputs = Object.entries(
    profiles.adtech_pipeline.outputs as Record<string, Record<string, unknown>>,
  );
  const fromEnv = /^\{\{\s*env_var\('[A-Z_]+'(,\s*'[^']*')?\)\s*(\|\s*as_\w+\s*)?\}\}$/;

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
  it('pins dbt-core 1.11.x and dbt-clickhouse 1.10.x', () => {
    const requirements = readFileSync(path.join(DBT_DIR, 'requirements.txt'), 'utf8');
    expect(requirements).toMatch(/^dbt-core~=1\.11\.\d+$/m);
    expect(requirements).toMatch(/^dbt-clickhouse==1\.10\.\d+$/m);
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
