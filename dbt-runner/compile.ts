/**
 * Renders models, relationship targets and generic tests into plain ClickHouse SQL, and works out
 * where each model lands (`schema.identifier`) the way dbt does: through the project's
 * `generate_schema_name` macro when it defines one, dbt's default rule otherwise.
 */
import {
  checkTemplate,
  compileTemplate,
  JinjaError,
  renderTemplate,
  splitKeywordArgs,
} from './jinja.js';
import {
  MODEL_CONFIG_KEYS,
  type Model,
  type ModelConfig,
  type Project,
  ProjectError,
  sourceKey,
} from './project.js';

export interface Relation {
  schema: string;
  identifier: string;
}

export const relationName = (relation: Relation) => `${relation.schema}.${relation.identifier}`;

export interface ParsedModel {
  /** dbt_project.yml, YAML and SQL `config()` merged, SQL last; `enabled` is a boolean. */
  config: ModelConfig;
  refs: string[];
  /** `source.table` keys. */
  sources: string[];
}

export interface CompileOptions {
  /** The profile's target schema (dbt `target.schema`), used when a model sets no schema. */
  targetSchema: string;
  targetName: string;
  /** `--vars`: override project vars. */
  vars: Record<string, unknown>;
}

/**
 * `enabled` as dbt takes it: a boolean. A rendered YAML template gives its text, so `true`/`false`
 * in any case count too; anything else is an error rather than a guess.
 */
function enabledValue(value: unknown, where: string): boolean {
  if (value === undefined || typeof value === 'boolean') return value !== false;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ProjectError(`${where}: enabled must be true or false, got ${JSON.stringify(value)}`);
}

/** A relation as Jinja sees it: prints as `schema.identifier`, exposes the parts. */
function jinjaRelation(relation: Relation) {
  return {
    schema: relation.schema,
    identifier: relation.identifier,
    name: relation.identifier,
    toString: () => relationName(relation),
  };
}

// getExported (the template's top-level macros as functions) is missing from @types/nunjucks.
type MacroTemplate = {
  getExported(context: object, done: (error: Error | null, result: unknown) => void): void;
};
type Macros = Record<string, (...args: unknown[]) => unknown>;

export class Compiler {
  private readonly macroTemplate: MacroTemplate | null;
  /** The macros bound to the project-wide context (schema names, generic tests). */
  private readonly macros: Macros;

  constructor(
    readonly project: Project,
    readonly options: CompileOptions,
  ) {
    this.macroTemplate = this.project.macroSource
      ? (compileTemplate(this.project.macroSource) as unknown as MacroTemplate)
      : null;
    this.macros = this.exportMacros(this.baseContext());
  }

  /**
   * The project's macros as callables that see `context`. A macro called from a model gets that
   * model's context, as in dbt: `ref`, `source`, `is_incremental()` and `this` work inside it.
   */
  private exportMacros(context: object): Macros {
    if (!this.macroTemplate) return {};
    let exported: Macros = {};
    this.macroTemplate.getExported(context, (error, result) => {
      if (error) throw new ProjectError(`macros: ${error.message}`);
      exported = result as Macros;
    });
    return exported;
  }

  private baseContext() {
    return {
      target: { schema: this.options.targetSchema, name: this.options.targetName },
      var: (...args: unknown[]) => this.variable(args),
    };
  }

  private variable(args: unknown[]): unknown {
    const [name, fallback] = args;
    const key = String(name);
    if (key in this.options.vars) return this.options.vars[key];
    if (key in this.project.vars) return this.project.vars[key];
    if (args.length > 1) return fallback;
    throw new ProjectError(`var('${key}') is not defined in dbt_project.yml vars or --vars`);
  }

  /**
   * Renders the Jinja in YAML config values (`+enabled: "{{ var('x') }}"`), as dbt renders
   * dbt_project.yml and schema YAML configs: with `var` and `target`, nothing model-specific.
   */
  private renderConfig<T extends Record<string, unknown>>(config: T, where: string): T {
    const rendered: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === 'string' && /\{[{%#]/.test(value)) {
        const at = `${where} config '${key}'`;
        checkTemplate(at, value, []);
        rendered[key] = renderTemplate(at, value, this.baseContext());
      } else {
        rendered[key] = value;
      }
    }
    return rendered as T;
  }

  /** False when the model's merged config (folder, YAML, SQL `config()`) says `enabled: false`. */
  isEnabled(model: Model): boolean {
    return this.parse(model).config.enabled !== false;
  }

  isSourceEnabled(key: string): boolean {
    const source = this.project.sources.get(key);
    if (!source) throw new ProjectError(`source ${key} is not declared in YAML`);
    const where = `${source.file}: source ${key} (dbt_project.yml sources: or YAML)`;
    return enabledValue(this.renderConfig(source.config, where).enabled, where);
  }

  /** Where a model lands. Config from dbt_project.yml/YAML; SQL config() may override schema. */
  relationOf(model: Model, config: ModelConfig = model.config): Relation {
    const custom = typeof config.schema === 'string' ? config.schema : null;
    const generate = this.macros.generate_schema_name;
    const schema = generate
      ? String(generate(custom, null)).trim()
      : custom
        ? `${this.options.targetSchema}_${custom.trim()}`
        : this.options.targetSchema;
    return { schema, identifier: model.name };
  }

  modelRelation(name: string, from: string): Relation {
    const model = this.project.models.get(name);
    if (!model) throw new ProjectError(`${from}: ref('${name}') does not name a model`);
    return this.relationOf(model, this.parse(model).config);
  }

  sourceRelation(source: string, table: string, from: string): Relation {
    const found = this.project.sources.get(sourceKey(source, table));
    if (!found) {
      throw new ProjectError(`${from}: source('${source}', '${table}') is not declared in YAML`);
    }
    return { schema: found.schema, identifier: found.identifier };
  }

  /**
   * Parses a model the way dbt does before running anything: renders it with
   * is_incremental() false and placeholder relations, recording its `config()` call, refs and
   * sources. Placeholders keep a ref cycle from recursing; dependencyOrder reports the cycle.
   */
  parse(model: Model): ParsedModel {
    const cached = this.parsed.get(model.name);
    if (cached) return cached;
    const parsed: ParsedModel = {
      config: this.renderConfig(model.config, `${model.file}: dbt_project.yml/YAML`),
      refs: [],
      sources: [],
    };
    this.render(model, false, {
      ref: (name) => {
        if (!this.project.models.has(name)) {
          throw new ProjectError(`${model.file}: ref('${name}') does not name a model`);
        }
        parsed.refs.push(name);
        return { schema: '__parse__', identifier: name };
      },
      source: (source, table) => {
        parsed.sources.push(sourceKey(source, table));
        return this.sourceRelation(source, table, model.file);
      },
      config: (keywords) => Object.assign(parsed.config, keywords),
    });
    parsed.config.enabled = enabledValue(parsed.config.enabled, model.file);
    this.parsed.set(model.name, parsed);
    return parsed;
  }
  private readonly parsed = new Map<string, ParsedModel>();

  /** The model's SQL as dbt would compile it. */
  compileModel(model: Model, incremental: boolean): string {
    const { refs } = this.parse(model);
    return this.render(model, incremental, {
      ref: (name) => {
        if (!refs.includes(name)) {
          // dbt fails the same way: its dependency graph comes from the parse render.
          throw new ProjectError(
            `${model.file}: ref('${name}') was not seen when parsing (it sits in a branch such as is_incremental()); add "-- depends_on: {{ ref('${name}') }}"`,
          );
        }
        return this.modelRelation(name, model.file);
      },
      source: (source, table) => this.sourceRelation(source, table, model.file),
      config: () => {},
    });
  }

  private render(
    model: Model,
    incremental: boolean,
    resolve: {
      ref: (name: string) => Relation;
      source: (source: string, table: string) => Relation;
      config: (keywords: ModelConfig) => void;
    },
  ): string {
    const context = {
      ...this.baseContext(),
      ref: (name: string) => jinjaRelation(resolve.ref(name)),
      source: (source: string, table: string) => jinjaRelation(resolve.source(source, table)),
      config: (...args: unknown[]) => {
        const { keywords } = splitKeywordArgs(args);
        for (const key of Object.keys(keywords)) {
          if (!(MODEL_CONFIG_KEYS as readonly string[]).includes(key)) {
            const before = model.sql.slice(
              0,
              Math.max(0, model.sql.search(new RegExp(`\\b${key}\\s*=`))),
            );
            const line = before.split('\n').length;
            throw new JinjaError(
              model.file,
              line,
              1,
              key,
              `unsupported config '${key}' in config()`,
            );
          }
        }
        resolve.config(keywords as ModelConfig);
        return '';
      },
      is_incremental: () => incremental,
      // `this` is the model's own relation, with the schema its parsed config gives it.
      this: jinjaRelation(this.relationOf(model, this.parsed.get(model.name)?.config)),
    };
    return renderTemplate(model.file, model.sql, { ...context, ...this.exportMacros(context) });
  }

  /** Renders an expression such as `ref('x')` from YAML (a relationships test's `to`). */
  renderExpression(expression: string, from: string): string {
    checkTemplate(from, `{{ ${expression} }}`, []);
    return renderTemplate(from, `{{ ${expression} }}`, {
      ...this.baseContext(),
      ref: (name: string) => jinjaRelation(this.modelRelation(name, from)),
      source: (source: string, table: string) =>
        jinjaRelation(this.sourceRelation(source, table, from)),
    });
  }

  /** SQL of a custom generic test defined as `{% test name(model, column_name, …) %}`. */
  customTestSql(
    test: string,
    model: Relation,
    column: string | undefined,
    args: Record<string, unknown>,
  ): string | undefined {
    const macro = this.macros[`test_${test}`];
    if (!macro) return undefined;
    return String(
      macro({ model: relationName(model), column_name: column, ...args, __keywords: true }),
    );
  }
}
