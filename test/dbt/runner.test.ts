/**
 * The local model runner on small throw-away dbt projects: the Jinja subset and its loud
 * failures, materializations as dbt-clickhouse issues them, generic data tests, ordering,
 * selection and the CLI.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JinjaError } from '../../dbt-runner/jinja.js';
import { loadProject } from '../../dbt-runner/project.js';
import { runProject } from '../../dbt-runner/runner.js';
import { openClickHouse, queryRows, type TestClickHouse } from '../support/clickhouse.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const folders: string[] = [];

/** Writes a dbt project (`files`: path → content) into a fresh temp folder. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'adtech-dbt-'));
  folders.push(dir);
  const all: Record<string, string> = {
    'dbt_project.yml': [
      'name: t',
      'profile: t',
      'vars: {threshold: 2}',
      'models:',
      '  t:',
      '    +materialized: table',
      '    staged:',
      '      +materialized: view',
      '      +schema: t_staged',
    ].join('\n'),
    'profiles.yml': [
      't:',
      '  outputs:',
      '    dev:',
      '      type: clickhouse',
      '      custom_settings: {join_use_nulls: 1}',
    ].join('\n'),
    ...files,
  };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

let clickhouse: TestClickHouse;
beforeAll(async () => {
  clickhouse = await openClickHouse();
});
afterAll(async () => {
  await clickhouse?.destroy();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const db of ['t_target', 't_target_t_staged', 'src']) {
    await clickhouse.client.command({ query: `DROP DATABASE IF EXISTS ${db} SYNC` });
  }
});

const run = (dir: string, command: 'run' | 'build' | 'test' = 'run', extra = {}) =>
  runProject(loadProject(dir), clickhouse.client, { command, targetSchema: 't_target', ...extra });

describe('the Jinja subset', () => {
  const unsupported: [string, string, string, number][] = [
    ['adapter call', "select 1\n-- x\n{{ adapter.get_relation('a', 'b') }}", 'adapter', 3],
    ['run_query', "select 1\n{% set rows = run_query('select 1') %}", 'run_query', 2],
    ['call block', "{% call statement('main') %}select 1{% endcall %}", 'call', 1],
    ['do tag', "{% do log('x') %}\nselect 1", 'do', 1],
    ['unknown filter', "select '{{ var('threshold') | tojson }}'", 'tojson', 1],
    ['env_var', "select '{{ env_var('HOME') }}'", 'env_var', 1],
    ['this.database', 'select 1\n\n\nfrom {{ this.database }}', 'this.database', 4],
    ['method call', "select '{{ 'a'.upper() }}'", 'method call', 1],
    ['ref with a variable', "{% set m = 'x' %}\nselect * from {{ ref(m) }}", 'ref', 2],
    ['macro inside a model', '{% macro m() %}1{% endmacro %}\nselect {{ m() }}', 'macro', 1],
  ];
  it.each(unsupported)('%s fails with file:line and the name', (_label, sql, construct, line) => {
    const dir = project({ 'models/bad_model.sql': sql });
    let error: unknown;
    try {
      loadProject(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JinjaError);
    expect((error as JinjaError).construct).toBe(construct);
    expect((error as JinjaError).message).toMatch(
      new RegExp(`^models/bad_model\\.sql:${line}:\\d+: `),
    );
  });

  it('renders ref, source, config, var, is_incremental, this, target and project macros', async () => {
    const dir = project({
      'macros/double.sql': '{% macro double(x) %}({{ x }} * 2){% endmacro %}',
      'models/sources.yml': [
        'sources:',
        '  - name: s',
        '    schema: src',
        '    tables: [{name: numbers_table, identifier: nums}]',
      ].join('\n'),
      'models/staged/staged_numbers.sql':
        "select number as n from {{ source('s', 'numbers_table') }}",
      'models/numbers.sql': [
        "{{ config(materialized='incremental', incremental_strategy='append', order_by='doubled') }}",
        '{%- set limit = var("threshold") + 1 %}',
        "select {{ double('n') }} as doubled, '{{ this.schema }}.{{ this.name }}' as me, '{{ target.schema }}' as t",
        "from {{ ref('staged_numbers') }} where n < {{ limit }}",
        '{% if is_incremental() %}and n > (select max(doubled) / 4 from {{ this }}){% endif %}',
      ].join('\n'),
    });
    await clickhouse.client.command({ query: 'CREATE DATABASE src' });
    await clickhouse.client.command({
      query:
        'CREATE TABLE src.nums ENGINE = MergeTree ORDER BY number AS SELECT number FROM numbers(5)',
    });
    await run(dir);
    const first = await queryRows(
      clickhouse.client,
      'SELECT toUInt8(doubled) AS doubled, me, t FROM t_target.numbers ORDER BY doubled',
    );
    expect(first).toEqual([
      { doubled: 0, me: 't_target.numbers', t: 't_target' },
      { doubled: 2, me: 't_target.numbers', t: 't_target' },
      { doubled: 4, me: 't_target.numbers', t: 't_target' },
    ]);
    // The second run is incremental: only n > max(doubled) / 4 = 1 is appended again.
    const second = await run(dir);
    expect(second.models.find((m) => m.model === 'numbers')?.incremental).toBe(true);
    const rows = await queryRows<{ doubled: number }>(
      clickhouse.client,
      'SELECT toUInt8(doubled) AS doubled FROM t_target.numbers ORDER BY doubled',
    );
    expect(rows.map((row) => row.doubled)).toEqual([0, 2, 4, 4]);
  });
});

describe('refs only in the incremental branch', () => {
  const model = (dependsOn: string) =>
    [
      "{{ config(materialized='incremental', incremental_strategy='append', order_by='x') }}",
      dependsOn,
      'select 1 as x',
      "{% if is_incremental() %}where x > (select count() from {{ ref('other') }}){% endif %}",
    ].join('\n');

  it('fail like dbt unless declared with -- depends_on', async () => {
    const undeclared = project({
      'models/inc.sql': model(''),
      'models/other.sql': 'select 1 as y',
    });
    await run(undeclared);
    await expect(run(undeclared)).rejects.toThrow(
      `models/inc.sql: ref('other') was not seen when parsing`,
    );
    const declared = project({
      'models/inc.sql': model("-- depends_on: {{ ref('other') }}"),
      'models/other.sql': 'select 1 as y',
    });
    await run(declared);
    const second = await run(declared);
    expect(second.models.map((m) => [m.model, m.incremental])).toEqual([
      ['other', false],
      ['inc', true],
    ]);
  });

  it('a macro called from a model sees its ref, is_incremental() and this, as in dbt', async () => {
    const dir = project({
      'macros/grow.sql': [
        '{% macro grow() %}',
        "select toUInt64(0) as x from {{ ref('other') }}",
        '{% if is_incremental() %}where 0 union all select max(x) + 1 from {{ this }}{% endif %}',
        '{% endmacro %}',
      ].join('\n'),
      'models/inc.sql': [
        "{{ config(materialized='incremental', incremental_strategy='append', order_by='x') }}",
        '{{ grow() }}',
      ].join('\n'),
      'models/other.sql': 'select 1 as y',
    });
    const first = await run(dir);
    // The ref inside the macro is a dependency, found when parsing like one in the model.
    expect(first.models.map((m) => m.model)).toEqual(['other', 'inc']);
    await run(dir);
    expect(await queryRows(clickhouse.client, 'SELECT x FROM t_target.inc ORDER BY x')).toEqual([
      { x: 0 },
      { x: 1 },
    ]);
  });
});

describe('materializations', () => {
  const tableModel = (value: number) =>
    [
      '{{ config(engine="ReplacingMergeTree()", order_by="(k)", partition_by="k % 2",',
      '          settings={"index_granularity": 1024}) }}',
      `select toUInt32(number) as k, ${value} as v from numbers(3)`,
    ].join('\n');

  it('creates a table with engine, order_by, partition_by and settings, then swaps a rebuild in', async () => {
    const dir = project({ 'models/tbl.sql': tableModel(1) });
    await run(dir);
    const describeTable = () =>
      queryRows(
        clickhouse.client,
        "SELECT engine, sorting_key, partition_key, engine_full LIKE '%index_granularity = 1024%' AS has_setting FROM system.tables WHERE database = 't_target' AND name = 'tbl'",
      );
    expect(await describeTable()).toEqual([
      { engine: 'ReplacingMergeTree', sorting_key: '(k)', partition_key: 'k % 2', has_setting: 1 },
    ]);
    writeFileSync(path.join(dir, 'models/tbl.sql'), tableModel(7));
    await run(dir);
    expect(await queryRows(clickhouse.client, 'SELECT DISTINCT v FROM t_target.tbl')).toEqual([
      { v: 7 },
    ]);
    const leftovers = await queryRows(
      clickhouse.client,
      "SELECT name FROM system.tables WHERE database = 't_target' AND name LIKE '%dbt%'",
    );
    expect(leftovers).toEqual([]);
  });

  it('a failed rebuild leaves the existing table as it was and drops its scratch table', async () => {
    const dir = project({ 'models/tbl.sql': tableModel(1) });
    await run(dir);
    // The insert into `tbl__dbt_backup` fails on the third row, after the backup was created.
    writeFileSync(
      path.join(dir, 'models/tbl.sql'),
      "select toUInt32(number) as k, throwIf(number = 2, 'boom') + 7 as v from numbers(3)",
    );
    await expect(run(dir)).rejects.toThrow(
      /models\/tbl\.sql \(insert into t_target\.tbl__dbt_backup\)/,
    );
    expect(await queryRows(clickhouse.client, 'SELECT DISTINCT v FROM t_target.tbl')).toEqual([
      { v: 1 },
    ]);
    const leftovers = await queryRows(
      clickhouse.client,
      "SELECT name FROM system.tables WHERE database = 't_target' AND name LIKE '%dbt%'",
    );
    expect(leftovers).toEqual([]);
  });

  it('turns a view into a table and back', async () => {
    const dir = project({ 'models/flip.sql': "{{ config(materialized='view') }}\nselect 1 as x" });
    const engine = async () =>
      (
        await queryRows<{ engine: string }>(
          clickhouse.client,
          "SELECT engine FROM system.tables WHERE database = 't_target' AND name = 'flip'",
        )
      )[0]?.engine;
    await run(dir);
    expect(await engine()).toBe('View');
    writeFileSync(
      path.join(dir, 'models/flip.sql'),
      "{{ config(materialized='table') }}\nselect 1 as x",
    );
    await run(dir);
    expect(await engine()).toBe('MergeTree');
    writeFileSync(
      path.join(dir, 'models/flip.sql'),
      "{{ config(materialized='view') }}\nselect 2 as x",
    );
    await run(dir);
    expect(await engine()).toBe('View');
  });

  it.each(['delete_insert', 'legacy'])(
    '%s replaces rows by unique_key and keeps the others',
    async (strategy) => {
      const model = (values: string) =>
        [
          `{{ config(materialized='incremental', incremental_strategy='${strategy}',`,
          "          unique_key=['k'], order_by='k') }}",
          `select * from values('k UInt32, v String', ${values})`,
        ].join('\n');
      const dir = project({ 'models/inc.sql': model("(1, 'a'), (2, 'b')") });
      await run(dir);
      writeFileSync(path.join(dir, 'models/inc.sql'), model("(2, 'B'), (3, 'c')"));
      const result = await run(dir);
      expect(result.models[0]?.incremental).toBe(true);
      expect(
        await queryRows(clickhouse.client, 'SELECT k, v FROM t_target.inc ORDER BY k'),
      ).toEqual([
        { k: 1, v: 'a' },
        { k: 2, v: 'B' },
        { k: 3, v: 'c' },
      ]);
      // --full-refresh rebuilds from the model alone.
      await run(dir, 'run', { fullRefresh: true });
      expect(await queryRows(clickhouse.client, 'SELECT k FROM t_target.inc ORDER BY k')).toEqual([
        { k: 2 },
        { k: 3 },
      ]);
    },
  );

  it('rejects an incremental strategy and configs it does not implement', async () => {
    const strategy = project({
      'models/inc.sql':
        "{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}\nselect 1 as k",
    });
    await run(strategy); // first run builds a table
    await expect(run(strategy)).rejects.toThrow(
      "models/inc.sql: incremental_strategy='insert_overwrite' is not supported by the local runner",
    );
    const config = project({ 'models/c.sql': "{{ config(on_schema_change='fail') }}\nselect 1" });
    await expect(run(config)).rejects.toThrow(
      "models/c.sql:1:1: unsupported config 'on_schema_change'",
    );
  });
});

describe('data tests', () => {
  const properties = [
    'models:',
    '  - name: things',
    '    data_tests:',
    '      - unique: {column_name: "(id, day)"}',
    '    columns:',
    '      - name: id',
    '        data_tests: [not_null, unique]',
    '      - name: status',
    '        data_tests:',
    "          - accepted_values: {arguments: {values: ['on', 'off']}}",
    '      - name: ratio',
    '        data_tests:',
    '          - in_unit_range: {min_value: 0, max_value: 1}',
    '      - name: parent_id',
    '        data_tests:',
    "          - relationships: {arguments: {to: ref('parents'), field: id}}",
  ].join('\n');
  const customTest = [
    '{% test in_unit_range(model, column_name, min_value, max_value) %}',
    'select * from {{ model }} where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}',
    '{% endtest %}',
  ].join('\n');

  it('counts the failing rows of built-in and custom generic tests', async () => {
    const dir = project({
      'models/properties.yml': properties,
      'tests/generic/in_unit_range.sql': customTest,
      'models/parents.sql': 'select toNullable(toUInt32(1)) as id',
      'models/things.sql': [
        "select * from values('id Nullable(UInt32), day UInt8, status String, ratio Float64, parent_id UInt32',",
        "  (1, 1, 'on', 0.5, 1), (1, 1, 'off', 1.5, 2), (NULL, 2, 'broken', -1, 3), (2, 2, 'on', 1, 1))",
      ].join('\n'),
    });
    const result = await run(dir, 'build');
    expect(result.ok).toBe(false);
    expect(Object.fromEntries(result.tests.map((t) => [t.id, t.failures]))).toEqual({
      unique_things__id_day: 1, // (1, 1) twice
      not_null_things_id: 1,
      unique_things_id: 1, // id 1 twice
      accepted_values_things_status: 1, // 'broken'
      in_unit_range_things_ratio: 2, // 1.5 and -1
      relationships_things_parent_id: 2, // parents 2 and 3 do not exist
    });
  });

  it('build stops before models downstream of a failing test', async () => {
    const dir = project({
      'models/properties.yml':
        'models:\n  - name: base\n    columns:\n      - name: x\n        data_tests: [not_null]',
      'models/base.sql': "select CAST(NULL, 'Nullable(UInt8)') as x",
      'models/downstream.sql': "select * from {{ ref('base') }}",
    });
    const result = await run(dir, 'build');
    expect(result.ok).toBe(false);
    expect(result.models.map((m) => m.model)).toEqual(['base']);
  });
});

describe('dependency order and selection', () => {
  const chain = {
    'models/c_last.sql': "select * from {{ ref('b_middle') }}",
    'models/b_middle.sql': "select * from {{ ref('a_first') }}",
    'models/a_first.sql': 'select 1 as x',
    'models/z_other.sql': 'select 2 as y',
  };

  it('runs models after the models they ref', async () => {
    const result = await run(project(chain));
    const order = result.models.map((m) => m.model);
    expect(order.indexOf('a_first')).toBeLessThan(order.indexOf('b_middle'));
    expect(order.indexOf('b_middle')).toBeLessThan(order.indexOf('c_last'));
  });

  it('selects a model with its ancestors (+name) or descendants (name+)', async () => {
    const dir = project(chain);
    const names = async (select: string[]) =>
      (await run(dir, 'run', { select })).models.map((m) => m.model).sort();
    expect(await names(['+b_middle'])).toEqual(['a_first', 'b_middle']);
    expect(await names(['b_middle+'])).toEqual(['b_middle', 'c_last']);
    expect(await names(['z_other'])).toEqual(['z_other']);
    await expect(names(['nope'])).rejects.toThrow('--select nope: no model named nope');
  });

  it('reports a cycle, an unknown ref and an undeclared source with the file', async () => {
    await expect(
      run(
        project({
          'models/a.sql': "select * from {{ ref('b') }}",
          'models/b.sql': "select * from {{ ref('a') }}",
        }),
      ),
    ).rejects.toThrow(/dependency cycle: a -> b -> a/);
    await expect(
      run(project({ 'models/a.sql': "select * from {{ ref('missing') }}" })),
    ).rejects.toThrow("models/a.sql: ref('missing') does not name a model");
    await expect(
      run(project({ 'models/a.sql': "select * from {{ source('nope', 't') }}" })),
    ).rejects.toThrow("models/a.sql: source('nope', 't') is not declared in YAML");
  });
});

describe('enabled', () => {
  /** A `feature` folder switched by a var, as the ad-platform folders are in dbt/. */
  const switched = (extra: Record<string, string> = {}) =>
    project({
      'dbt_project.yml': [
        'name: t',
        'profile: t',
        'vars: {threshold: 2, feature_enabled: false}',
        'models:',
        '  t:',
        '    +materialized: table',
        '    feature:',
        `      +enabled: "{{ var('feature_enabled') }}"`,
        'sources:',
        '  t:',
        '    feature:',
        `      +enabled: "{{ var('feature_enabled') }}"`,
      ].join('\n'),
      'models/feature/feature.yml': [
        'sources:',
        '  - name: feat',
        '    schema: src',
        '    tables: [{name: events}]',
        'models:',
        '  - name: feat_model',
        '    columns:',
        '      - name: x',
        '        data_tests: [not_null]',
      ].join('\n'),
      'models/feature/feat_model.sql': "select x from {{ source('feat', 'events') }}",
      'models/core.yml': [
        'models:',
        '  - name: core',
        '    columns:',
        '      - name: x',
        '        data_tests:',
        '          - unique',
        "          - relationships: {to: ref('feat_model'), field: x}",
      ].join('\n'),
      'models/core.sql': 'select 1 as x',
      // dbt errors on a ref to a disabled model, so the ref sits behind the same var.
      'models/mart.sql': [
        "select x from {{ ref('core') }}",
        "{% if var('feature_enabled') %}union all select x from {{ ref('feat_model') }}{% endif %}",
      ].join('\n'),
      ...extra,
    });
  const tables = async () =>
    (
      await queryRows<{ name: string }>(
        clickhouse.client,
        "SELECT name FROM system.tables WHERE database = 't_target' ORDER BY name",
      )
    ).map((row) => row.name);

  it('skips a var-disabled folder, its source and its data tests; the var switches it on', async () => {
    const dir = switched();
    const lines: string[] = [];
    // The source table does not exist: a disabled folder must not touch it.
    const off = await run(dir, 'build', { log: (line: string) => lines.push(line) });
    expect(off.ok).toBe(true);
    expect(off.models.map((m) => m.model)).toEqual(['core', 'mart']);
    expect(off.tests.map((t) => t.id)).toEqual(['unique_core_x']);
    expect(lines).toContain('disabled (enabled false): feat_model');
    expect(await tables()).toEqual(['core', 'mart']);

    await clickhouse.client.command({ query: 'CREATE DATABASE src' });
    await clickhouse.client.command({
      query: 'CREATE TABLE src.events ENGINE = MergeTree ORDER BY x AS SELECT 1 AS x',
    });
    const on = await run(dir, 'build', { vars: { feature_enabled: true } });
    expect(on.ok).toBe(true);
    expect(on.models.map((m) => m.model)).toEqual(['core', 'feat_model', 'mart']);
    expect(on.tests.map((t) => t.id).sort()).toEqual([
      'not_null_feat_model_x',
      'relationships_core_x',
      'unique_core_x',
    ]);
    expect(await queryRows(clickhouse.client, 'SELECT x FROM t_target.mart')).toEqual([
      { x: 1 },
      { x: 1 },
    ]);
  });

  it('honours enabled from config() and YAML config, and --select of a disabled model only warns', async () => {
    const dir = project({
      'models/by_sql.sql': '{{ config(enabled=false) }}\nselect 1 as x',
      'models/by_yaml.sql': 'select 1 as x',
      'models/props.yml': 'models:\n  - name: by_yaml\n    config: {enabled: false}',
      'models/kept.sql': 'select 1 as x',
    });
    const lines: string[] = [];
    const all = await run(dir, 'run', { log: (line: string) => lines.push(line) });
    expect(all.models.map((m) => m.model)).toEqual(['kept']);
    expect(lines).toContain('disabled (enabled false): by_sql, by_yaml');
    const selected = await run(dir, 'run', {
      select: ['by_sql'],
      log: (line: string) => lines.push(line),
    });
    expect(selected.models).toEqual([]);
    expect(lines).toContain('WARN --select by_sql: by_sql is disabled; nothing selected by it');
  });

  it('fails before running anything on a ref to a disabled model or a read of a disabled source', async () => {
    const ref = project({
      'models/a_kept.sql': 'select 1 as x',
      'models/b_off.sql': '{{ config(enabled=false) }}\nselect 1 as x',
      'models/c_reader.sql': "select * from {{ ref('b_off') }}",
    });
    await expect(run(ref)).rejects.toThrow(
      "models/c_reader.sql: ref('b_off') names a disabled model (models/b_off.sql has enabled false)",
    );
    // Checked before the first model ran, as dbt checks at parse time.
    expect(await tables()).toEqual([]);

    const source = switched({
      'models/reads_feature_source.sql': "select x from {{ source('feat', 'events') }}",
    });
    await expect(run(source)).rejects.toThrow(
      'models/reads_feature_source.sql: source feat.events is disabled',
    );
  });

  it('rejects an enabled value that is not a boolean, and config keys it does not know', async () => {
    const notBoolean = project({
      'dbt_project.yml': [
        'name: t',
        'vars: {threshold: 2}',
        'models:',
        '  t:',
        `    +enabled: "{{ var('threshold') }}"`,
      ].join('\n'),
      'models/m.sql': 'select 1 as x',
    });
    await expect(run(notBoolean)).rejects.toThrow(
      'models/m.sql: enabled must be true or false, got "2"',
    );
    const folderKey = project({
      'dbt_project.yml': 'name: t\nmodels:\n  t:\n    marts:\n      +on_schema_change: fail',
      'models/m.sql': 'select 1 as x',
    });
    expect(() => loadProject(folderKey)).toThrow(
      "dbt_project.yml: models.t.marts: unsupported config '+on_schema_change'",
    );
    const sourceKey = project({
      'models/s.yml':
        'sources:\n  - name: s\n    config: {freshness: null}\n    tables: [{name: t}]',
    });
    expect(() => loadProject(sourceKey)).toThrow(
      "models/s.yml: source s: unsupported config 'freshness'",
    );
  });
});

describe('CLI', () => {
  it('runs a project on the embedded engine and exits 1 when a test fails', async () => {
    const dir = project({
      'models/properties.yml':
        'models:\n  - name: one\n    columns:\n      - name: x\n        data_tests: [unique]',
      'models/one.sql': 'select 1 as x union all select 1',
    });
    const dataPath = mkdtempSync(path.join(os.tmpdir(), 'adtech-ch-cli-'));
    folders.push(dataPath);
    const cli = (...args: string[]) =>
      execa('npx', ['tsx', path.join(REPO, 'dbt-runner/cli.ts'), ...args, '--project-dir', dir], {
        cwd: REPO,
        reject: false,
        env: { CLICKHOUSE_PATH: dataPath, CLICKHOUSE_URL: '' },
      });
    const ok = await cli('run');
    expect(ok.stdout).toContain('OK table analytics.one');
    expect(ok.exitCode, ok.stderr).toBe(0);
    const failing = await cli('test');
    expect(failing.stdout).toContain('FAIL unique_one_x (1 failing rows)');
    expect(failing.exitCode).toBe(1);
    const usage = await cli('deploy');
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('usage: npm run dbt-local -- run|build|test');
  });
});
