/**
 * `run`, `test` and `build` over a dbt project on ClickHouse (embedded chdb or a server), in
 * dependency order. `build` runs each model then its tests and stops at the first failure, so
 * nothing downstream is built on a model whose tests failed (as dbt build skips it).
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { Compiler, type Relation, relationName } from './compile.js';
import { dataTestSql, testId } from './data-tests.js';
import { DbtRunnerError } from './errors.js';
import { type ExistingKind, materializationOf, materializeSteps } from './materialize.js';
import { type DataTest, type Model, type Project, ProjectError } from './project.js';

export type Command = 'run' | 'test' | 'build';

export interface RunOptions {
  command: Command;
  /** Model selectors: `name`, `+name` (with ancestors), `name+` (with descendants). */
  select?: string[];
  fullRefresh?: boolean;
  vars?: Record<string, unknown>;
  targetSchema?: string;
  log?: (line: string) => void;
  /** Per-statement timings. */
  debug?: (line: string) => void;
}

export interface ModelResult {
  model: string;
  relation: string;
  materialization: string;
  incremental: boolean;
  seconds: number;
}

export interface TestResult {
  id: string;
  model: string;
  failures: number;
}

export interface RunResult {
  models: ModelResult[];
  tests: TestResult[];
  ok: boolean;
}

export class ModelRunError extends DbtRunnerError {
  override name = 'ModelRunError';
}

/**
 * The enabled models in dependency order. A cycle, an unknown ref, or an enabled model reading a
 * disabled model or source is an error naming the file (dbt refuses those at parse time too).
 */
export function dependencyOrder(project: Project, compiler: Compiler): Model[] {
  const order: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, path: string[]) => {
    const seen = state.get(model.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new ProjectError(`dependency cycle: ${[...path, model.name].join(' -> ')}`);
    }
    state.set(model.name, 'visiting');
    const { refs, sources } = compiler.parse(model);
    for (const source of sources) {
      if (!compiler.isSourceEnabled(source)) {
        throw new ProjectError(
          `${model.file}: source ${source} is disabled (enabled false in dbt_project.yml sources: or its YAML); dbt fails the same way`,
        );
      }
    }
    for (const ref of refs) {
      // parse() has already checked that every ref names a model.
      const parent = project.models.get(ref)!;
      if (!compiler.isEnabled(parent)) {
        throw new ProjectError(
          `${model.file}: ref('${ref}') names a disabled model (${parent.file} has enabled false); dbt fails the same way — enable it, or put the ref behind the same var`,
        );
      }
      visit(parent, [...path, model.name]);
    }
    state.set(model.name, 'done');
    order.push(model);
  };
  const enabled = [...project.models.values()].filter((model) => compiler.isEnabled(model));
  for (const model of enabled.sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return order;
}

function selectModels(
  project: Project,
  order: Model[],
  compiler: Compiler,
  selectors: string[] | undefined,
  log: (line: string) => void,
) {
  if (!selectors || selectors.length === 0) return order;
  const parents = new Map(order.map((model) => [model.name, compiler.parse(model).refs]));
  const closure = (start: string, next: (name: string) => string[]) => {
    const found = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (found.has(name)) continue;
      found.add(name);
      stack.push(...next(name));
    }
    return found;
  };
  const children = (name: string) =>
    [...parents.entries()].filter(([, refs]) => refs.includes(name)).map(([child]) => child);
  const chosen = new Set<string>();
  for (const selector of selectors) {
    const name = selector.replace(/^\+/, '').replace(/\+$/, '');
    if (!parents.has(name) && project.models.has(name)) {
      // dbt warns that the selector matches no enabled node and runs the rest.
      log(`WARN --select ${selector}: ${name} is disabled; nothing selected by it`);
      continue;
    }
    if (!parents.has(name)) throw new ProjectError(`--select ${selector}: no model named ${name}`);
    chosen.add(name);
    if (selector.startsWith('+'))
      for (const n of closure(name, (m) => parents.get(m) ?? [])) chosen.add(n);
    if (selector.endsWith('+')) for (const n of closure(name, children)) chosen.add(n);
  }
  return order.filter((model) => chosen.has(model.name));
}

function testDependencies(test: DataTest): string[] {
  const parents = [...JSON.stringify(test.args).matchAll(/ref\(\\?['"](\w+)\\?['"]\)/g)];
  return [test.model, ...parents.map((match) => match[1] ?? '')];
}

export async function runProject(
  project: Project,
  client: ClickHouseClient,
  options: RunOptions,
): Promise<RunResult> {
  const log = options.log ?? (() => {});
  const debug = options.debug ?? (() => {});
  const compiler = new Compiler(project, {
    targetSchema: options.targetSchema ?? 'analytics',
    targetName: 'local',
    vars: options.vars ?? {},
  });
  const settings = project.querySettings as Record<string, string | number>;
  const execute = async (sql: string, where: string) => {
    try {
      await client.command({ query: sql, clickhouse_settings: settings });
    } catch (error) {
      throw new ModelRunError(`${where}: ${(error as Error).message}\n--- statement ---\n${sql}`);
    }
  };
  const existingKind = async (relation: Relation): Promise<ExistingKind> => {
    const result = await client.query({
      query:
        'SELECT engine FROM system.tables WHERE database = {db:String} AND name = {name:String}',
      query_params: { db: relation.schema, name: relation.identifier },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ engine: string }>();
    if (rows.length === 0) return undefined;
    return rows[0]?.engine === 'View' ? 'view' : 'table';
  };

  /** After a failed model: the `<name>__dbt_*` tables it was building; the model is untouched. */
  const dropScratchTables = async (relation: Relation) => {
    const result = await client.query({
      query:
        'SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {prefix:String})',
      query_params: { db: relation.schema, prefix: `${relation.identifier}__dbt_` },
      format: 'JSONEachRow',
    });
    for (const { name } of await result.json<{ name: string }>()) {
      await client.command({ query: `DROP TABLE IF EXISTS ${relation.schema}.${name}` });
    }
  };

  const invocationId = randomUUID().replaceAll('-', '_');
  const order = dependencyOrder(project, compiler);
  const disabled = [...project.models.values()]
    .filter((model) => !compiler.isEnabled(model))
    .map((model) => model.name)
    .sort();
  if (disabled.length > 0) log(`disabled (enabled false): ${disabled.join(', ')}`);
  const selected = selectModels(project, order, compiler, options.select, log);
  const result: RunResult = { models: [], tests: [], ok: true };

  const runModel = async (model: Model) => {
    const started = performance.now();
    const config = compiler.parse(model).config;
    const relation = compiler.relationOf(model, config);
    const materialization = materializationOf(config, model.file);
    await execute(`CREATE DATABASE IF NOT EXISTS ${relation.schema}`, model.file);
    const existing = await existingKind(relation);
    const incremental =
      materialization === 'incremental' && existing === 'table' && !options.fullRefresh;
    const sql = compiler.compileModel(model, incremental);
    const steps = materializeSteps({
      model: model.file,
      relation,
      config,
      existing,
      incremental,
      sql,
      invocationId,
    });
    try {
      for (const step of steps) {
        const stepStarted = performance.now();
        await execute(step.sql, `${model.file} (${step.label})`);
        debug(`  ${step.label}: ${((performance.now() - stepStarted) / 1000).toFixed(2)}s`);
      }
    } catch (error) {
      await dropScratchTables(relation);
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    result.models.push({
      model: model.name,
      relation: relationName(relation),
      materialization,
      incremental,
      seconds,
    });
    log(
      `OK ${materialization}${incremental ? ' (incremental)' : ''} ${relationName(relation)} in ${seconds.toFixed(2)}s`,
    );
  };

  const runTest = async (test: DataTest) => {
    const relation = compiler.modelRelation(test.model, test.file);
    const id = testId(test);
    const sql = dataTestSql(compiler, test, relation);
    let failures: number;
    try {
      const response = await client.query({
        query: `SELECT count() AS failures FROM (\n${sql}\n)`,
        clickhouse_settings: settings,
        format: 'JSONEachRow',
      });
      const rows = await response.json<{ failures: string | number }>();
      failures = Number(rows[0]?.failures ?? 0);
    } catch (error) {
      throw new ModelRunError(
        `${test.file}: test ${id}: ${(error as Error).message}\n--- query ---\n${sql}`,
      );
    }
    result.tests.push({ id, model: test.model, failures });
    log(
      `${failures === 0 ? 'PASS' : 'FAIL'} ${id}${failures === 0 ? '' : ` (${failures} failing rows)`}`,
    );
    if (failures > 0) result.ok = false;
  };

  // A test runs once every model it reads is in place: its own and, for relationships, the
  // parent (dbt build orders tests the same way).
  const selectedNames = new Set(selected.map((model) => model.name));
  const enabledNames = new Set(order.map((model) => model.name));
  // dbt disables a test on a disabled model, or one that refs a disabled model.
  let pending = project.tests.filter(
    (test) =>
      selectedNames.has(test.model) &&
      testDependencies(test).every((name) => enabledNames.has(name)),
  );
  const done = new Set<string>();
  for (const model of selected) {
    if (options.command !== 'test') await runModel(model);
    done.add(model.name);
    if (options.command === 'run') continue;
    const ready = pending.filter((test) =>
      testDependencies(test).every((name) => done.has(name) || !selectedNames.has(name)),
    );
    pending = pending.filter((test) => !ready.includes(test));
    for (const test of ready) await runTest(test);
    if (!result.ok && options.command === 'build') {
      log(`stopping: tests failed after ${model.name}; downstream models were not built`);
      break;
    }
  }
  return result;
}
