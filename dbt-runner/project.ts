/**
 * Reads a dbt project from disk into plain data: models (SQL + merged config), sources, the data
 * tests declared in YAML, project macros and custom generic tests. Nothing here talks to
 * ClickHouse; rendering and running live in compile.ts and runner.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { DbtRunnerError } from './errors.js';
import { checkTemplate, macroNames, testBlocksToMacros } from './jinja.js';

export class ProjectError extends DbtRunnerError {
  override name = 'ProjectError';
}

/**
 * Model configs the runner honours; any other key is an error rather than silently ignored.
 * String values may hold Jinja (`"{{ var('x') }}"`), rendered by the Compiler with the run's vars.
 */
export const MODEL_CONFIG_KEYS = [
  'materialized',
  'schema',
  'engine',
  'order_by',
  'partition_by',
  'primary_key',
  'settings',
  'unique_key',
  'incremental_strategy',
  'tags',
  'enabled',
] as const;
export type ModelConfig = Partial<Record<(typeof MODEL_CONFIG_KEYS)[number], unknown>>;

/** Source configs the runner honours (from dbt_project.yml `sources:` and YAML `config:`). */
const SOURCE_CONFIG_KEYS = ['enabled'] as const;
export type SourceConfig = Partial<Record<(typeof SOURCE_CONFIG_KEYS)[number], unknown>>;

export interface DataTest {
  /** Generic test name: not_null, unique, accepted_values, relationships or a custom one. */
  test: string;
  model: string;
  /** Column (or column expression) under test; undefined for a model-level test without one. */
  column?: string;
  args: Record<string, unknown>;
  /** The YAML file declaring it, for error messages. */
  file: string;
}

export interface Model {
  name: string;
  /** Path relative to the project folder. */
  file: string;
  sql: string;
  /** Folder path under models/, used for dbt_project.yml folder configs. */
  fqn: string[];
  /** dbt_project.yml folder configs then YAML `config:`; SQL `config()` is applied on render. */
  config: ModelConfig;
  description?: string;
  columns: string[];
}

export interface SourceTable {
  source: string;
  table: string;
  schema: string;
  identifier: string;
  loadedAtField?: string;
  /** dbt_project.yml `sources:` path configs, then the source's and the table's YAML `config:`. */
  config: SourceConfig;
  /** The YAML file declaring it, for error messages. */
  file: string;
}

export interface Project {
  dir: string;
  name: string;
  vars: Record<string, unknown>;
  models: Map<string, Model>;
  sources: Map<string, SourceTable>;
  tests: DataTest[];
  /** Concatenated macro and generic-test sources (tests rewritten to `test_<name>` macros). */
  macroSource: string;
  /** Settings from profiles.yml `custom_settings`, applied to every statement like dbt does. */
  querySettings: Record<string, unknown>;
  /** Model names declared in YAML but with no SQL file (a static check reports them). */
  yamlOnlyModels: string[];
}

export const sourceKey = (source: string, table: string) => `${source}.${table}`;

function listFiles(dir: string, extension: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return listFiles(full, extension);
    return entry.endsWith(extension) ? [full] : [];
  });
}

function readYaml(file: string, projectDir: string): unknown {
  const document = parseDocument(readFileSync(file, 'utf8'));
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const at = first.linePos?.[0];
    throw new ProjectError(
      `${path.relative(projectDir, file)}:${at?.line ?? 0}:${at?.col ?? 0}: invalid YAML: ${first.message}`,
    );
  }
  return document.toJS();
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** In a dbt_project.yml `models:`/`sources:` node, `+key` or a scalar is a config (dbt allows
 * the `+` to be left out there); any other key is a folder, source or table name. */
const isConfigEntry = (key: string, value: unknown) =>
  key.startsWith('+') || typeof value !== 'object';

/** The configs set on one dbt_project.yml node. */
function folderConfig(node: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (isConfigEntry(key, value)) config[key.replace(/^\+/, '')] = value;
  }
  return config;
}

/** Merges path configs from the project root down to `fqn` (folders, then source and table). */
function configForPath(root: Record<string, unknown>, fqn: string[]): Record<string, unknown> {
  let node = root;
  let config = folderConfig(node);
  for (const part of fqn) {
    node = asRecord(node[part]);
    config = { ...config, ...folderConfig(node) };
  }
  return config;
}

/** Every config in a dbt_project.yml section, at any depth, must be one the runner knows. */
function checkProjectConfigs(node: Record<string, unknown>, known: readonly string[], at: string) {
  for (const [key, value] of Object.entries(node)) {
    if (!isConfigEntry(key, value)) {
      checkProjectConfigs(asRecord(value), known, `${at}.${key}`);
    } else if (!known.includes(key.replace(/^\+/, ''))) {
      throw new ProjectError(
        `dbt_project.yml: ${at}: unsupported config '${key}' (the local runner supports ${known.join(', ')})`,
      );
    }
  }
}

function checkConfigKeys(config: Record<string, unknown>, known: readonly string[], where: string) {
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new ProjectError(`${where}: unsupported config '${key}'`);
  }
}

/** dbt 1.10+ nests a generic test's arguments under `arguments:`; older YAML puts them inline. */
function parseTestEntry(
  entry: unknown,
  model: string,
  column: string | undefined,
  file: string,
): DataTest {
  if (typeof entry === 'string') return { test: entry, model, column, args: {}, file };
  const [test, body] = Object.entries(asRecord(entry))[0] ?? [];
  if (!test) throw new ProjectError(`${file}: empty data test entry on model ${model}`);
  const { arguments: nested, config: _config, ...inline } = asRecord(body);
  const args = { ...inline, ...asRecord(nested) };
  const columnArg = typeof args.column_name === 'string' ? args.column_name : undefined;
  delete args.column_name;
  return { test, model, column: column ?? columnArg, args, file };
}

function readProfileSettings(dir: string, profileName: string): Record<string, unknown> {
  const file = path.join(dir, 'profiles.yml');
  let profiles: Record<string, unknown>;
  try {
    profiles = asRecord(readYaml(file, dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const outputs = asRecord(asRecord(profiles[profileName]).outputs);
  // The runner has one target; the profile's first output carries the settings.
  const first = asRecord(Object.values(outputs)[0]);
  return asRecord(first.custom_settings);
}

export function loadProject(dir: string): Project {
  const projectFile = path.join(dir, 'dbt_project.yml');
  const projectYaml = asRecord(readYaml(projectFile, dir));
  const name = String(projectYaml.name ?? '');
  const modelsDir = path.join(dir, String(asList(projectYaml['model-paths'])[0] ?? 'models'));
  const macroDir = path.join(dir, String(asList(projectYaml['macro-paths'])[0] ?? 'macros'));
  const testDir = path.join(dir, String(asList(projectYaml['test-paths'])[0] ?? 'tests'));
  const projectModels = asRecord(asRecord(projectYaml.models)[name]);
  const projectSources = asRecord(asRecord(projectYaml.sources)[name]);
  checkProjectConfigs(projectModels, MODEL_CONFIG_KEYS, `models.${name}`);
  checkProjectConfigs(projectSources, SOURCE_CONFIG_KEYS, `sources.${name}`);
  const relative = (file: string) => path.relative(dir, file);

  // Macros first: models may call them, and checking a model needs their names.
  const macroFiles = [
    ...listFiles(macroDir, '.sql'),
    ...listFiles(path.join(testDir, 'generic'), '.sql'),
  ];
  const macroSources = macroFiles.map((file) => {
    const source = testBlocksToMacros(readFileSync(file, 'utf8'));
    return { file: relative(file), source };
  });
  const macros = macroSources.flatMap(({ source }) => macroNames(source));
  for (const { file, source } of macroSources) checkTemplate(file, source, macros, true);

  const models = new Map<string, Model>();
  for (const file of listFiles(modelsDir, '.sql')) {
    const modelName = path.basename(file, '.sql');
    if (models.has(modelName)) {
      throw new ProjectError(`${relative(file)}: a model named ${modelName} already exists`);
    }
    const sql = readFileSync(file, 'utf8');
    checkTemplate(relative(file), sql, macros);
    const fqn = path.relative(modelsDir, path.dirname(file)).split(path.sep).filter(Boolean);
    models.set(modelName, {
      name: modelName,
      file: relative(file),
      sql,
      fqn,
      config: configForPath(projectModels, fqn),
      columns: [],
    });
  }

  const sources = new Map<string, SourceTable>();
  const tests: DataTest[] = [];
  const yamlOnlyModels: string[] = [];
  for (const file of [...listFiles(modelsDir, '.yml'), ...listFiles(modelsDir, '.yaml')]) {
    const yaml = asRecord(readYaml(file, dir));
    // dbt's path for a source: the YAML file's folders under models/, the source, the table.
    const folders = path.relative(modelsDir, path.dirname(file)).split(path.sep).filter(Boolean);
    for (const source of asList(yaml.sources).map(asRecord)) {
      const sourceName = String(source.name);
      const sourceConfig = asRecord(source.config);
      checkConfigKeys(sourceConfig, SOURCE_CONFIG_KEYS, `${relative(file)}: source ${sourceName}`);
      for (const table of asList(source.tables).map(asRecord)) {
        const tableName = String(table.name);
        const tableConfig = asRecord(table.config);
        checkConfigKeys(
          tableConfig,
          SOURCE_CONFIG_KEYS,
          `${relative(file)}: source ${sourceName}.${tableName}`,
        );
        sources.set(sourceKey(sourceName, tableName), {
          source: sourceName,
          table: tableName,
          schema: String(source.schema ?? source.database ?? sourceName),
          identifier: String(table.identifier ?? tableName),
          loadedAtField: (table.loaded_at_field ?? source.loaded_at_field) as string | undefined,
          config: {
            ...configForPath(projectSources, [...folders, sourceName, tableName]),
            ...sourceConfig,
            ...tableConfig,
          },
          file: relative(file),
        });
      }
    }
    for (const entry of asList(yaml.models).map(asRecord)) {
      const modelName = String(entry.name);
      const model = models.get(modelName);
      if (!model) {
        yamlOnlyModels.push(`${relative(file)}: ${modelName}`);
        continue;
      }
      model.description = typeof entry.description === 'string' ? entry.description : undefined;
      const yamlConfig = asRecord(entry.config);
      checkConfigKeys(yamlConfig, MODEL_CONFIG_KEYS, `${relative(file)}: model ${modelName}`);
      model.config = { ...model.config, ...yamlConfig };
      for (const test of asList(entry.data_tests ?? entry.tests)) {
        tests.push(parseTestEntry(test, modelName, undefined, relative(file)));
      }
      for (const column of asList(entry.columns).map(asRecord)) {
        const columnName = String(column.name);
        model.columns.push(columnName);
        for (const test of asList(column.data_tests ?? column.tests)) {
          tests.push(parseTestEntry(test, modelName, columnName, relative(file)));
        }
      }
    }
  }

  return {
    dir,
    name,
    vars: asRecord(projectYaml.vars),
    models,
    sources,
    tests,
    macroSource: macroSources.map(({ source }) => source).join('\n'),
    querySettings: readProfileSettings(dir, String(projectYaml.profile ?? name)),
    yamlOnlyModels,
  };
}
