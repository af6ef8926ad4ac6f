/**
 * Stage 2: data → checked spec. First the zod schema (each issue mapped back to its YAML node),
 * then the checks that need more than one value: task references and cycles, fan-out, pools,
 * secrets, and extract tasks against the extractor contracts. Every problem becomes a diagnostic;
 * nothing throws for user errors.
 */
import path from 'node:path';
import type { FlagContract } from '../extractors/core/contract.js';
import { type AccountGroupCheck, type AccountsReader, checkAccountGroups } from './accounts.js';
import { type ContractSet, flagsOf, isWindowed } from './contracts.js';
import { compareText, type Diagnostic, didYouMean } from './diagnostics.js';
import { type DataPath, isRecord, locate, type ParsedFile } from './parse.js';
import {
  type FanOutItem,
  looksLikeJinja,
  placeholderProblem,
  placeholdersIn,
  toArg,
} from './placeholders.js';
import {
  normalizeDateTime,
  type ProjectSpec,
  parseDateTime,
  projectSchema,
  type Spec,
  specSchema,
  type TaskSettings,
  type TaskSpec,
} from './schema.js';
import { type Issue, schemaDiagnostics } from './schema-issues.js';

// ---------------------------------------------------------------------------------------------
// Project file

export function validateProject(parsed: ParsedFile): {
  project: ProjectSpec | null;
  diagnostics: Diagnostic[];
} {
  const result = projectSchema.safeParse(parsed.data ?? {});
  if (!result.success)
    return {
      project: null,
      diagnostics: schemaDiagnostics(parsed, projectSchema, result.error.issues),
    };
  const project = result.data;
  const diagnostics: Diagnostic[] = [];
  const declared = Object.keys(project.secrets);
  const checkSecret = (env: string, where: DataPath) => {
    if (!(env in project.secrets)) {
      diagnostics.push({
        file: parsed.file,
        ...locate(parsed, where),
        code: 'E016',
        message: `secret ${env} is not declared in \`secrets\`${didYouMean(env, declared)}`,
      });
    }
  };
  for (const [index, env] of (project.shared_secrets ?? []).entries()) {
    checkSecret(env, ['shared_secrets', index]);
  }
  for (const [index, env] of (project.dbt?.secrets ?? []).entries()) {
    checkSecret(env, ['dbt', 'secrets', index]);
  }
  const pool = project.task_defaults?.pool;
  const poolMessage = pool === undefined ? null : poolProblem(project, pool);
  if (poolMessage !== null) {
    diagnostics.push({
      file: parsed.file,
      ...locate(parsed, ['task_defaults', 'pool']),
      code: 'E023',
      message: poolMessage,
    });
  }
  for (const [env, source] of Object.entries(project.secrets)) {
    if ('extra_key' in source && source.extra_key !== undefined && source.field !== 'extra') {
      diagnostics.push({
        file: parsed.file,
        ...locate(parsed, ['secrets', env, 'extra_key']),
        code: 'E029',
        message: `secrets.${env}: extra_key needs field: extra`,
      });
    }
  }
  return { project, diagnostics };
}

/** Why a task cannot use `pool` (E023), or null when it is Airflow's default_pool or declared. */
function poolProblem(project: ProjectSpec, pool: string): string | null {
  if (pool === 'default_pool' || Object.hasOwn(project.pools ?? {}, pool)) return null;
  const declared = ['default_pool', ...Object.keys(project.pools ?? {})];
  return `pool '${pool}' is not declared in _project.yaml \`pools\` (declared: ${declared.join(', ')})${didYouMean(pool, declared)}`;
}

// ---------------------------------------------------------------------------------------------
// Specs

export interface SpecContext {
  project: ProjectSpec;
  contracts: ContractSet;
  /** Reads accounts files named by extract flags; without it account groups are not checked. */
  accounts?: AccountsReader;
}

/** Airflow rejects longer task ids (and dag ids). */
export const MAX_AIRFLOW_ID_LENGTH = 250;

/** A task copy after fan-out, as validation and lowering both see it. */
export interface ExpandedTask {
  task: TaskSpec;
  /** Index of the task in the spec's `tasks` list. */
  index: number;
  item: FanOutItem | null;
  taskId: string;
}

function fanOutItems(task: TaskSpec): (FanOutItem | null)[] {
  if (task.for_each === undefined) return [null];
  return task.for_each.map((item) =>
    typeof item === 'string' ? { id: item } : (item as FanOutItem),
  );
}

export function expandTasks(spec: Spec): ExpandedTask[] {
  return spec.tasks.flatMap((task, index) =>
    fanOutItems(task).map((item) => ({
      task,
      index,
      item,
      taskId: item === null ? task.id : `${task.id}__${item.id}`,
    })),
  );
}

/** Upstream task ids of a task copy, given every copy in the DAG. Unknown names are skipped. */
export function resolveAfter(task: TaskSpec, expanded: readonly ExpandedTask[]): string[] {
  const upstream = new Set<string>();
  for (const name of task.after ?? []) {
    for (const other of expanded)
      if (other.task.id === name || other.taskId === name) upstream.add(other.taskId);
  }
  return [...upstream].sort();
}

function kindOf(task: TaskSpec): 'extract' | 'dbt' | 'container' | null {
  const kinds = (['extract', 'dbt', 'container'] as const).filter(
    (kind) => task[kind] !== undefined,
  );
  return kinds.length === 1 ? (kinds[0] ?? null) : null;
}

export function validateSpec(
  parsed: ParsedFile,
  context: SpecContext,
): { spec: Spec | null; diagnostics: Diagnostic[] } {
  const result = specSchema.safeParse(parsed.data ?? {});
  if (result.success) {
    const whole: Repaired = {
      spec: result.data,
      taskIndex: result.data.tasks.map((_, index) => index),
      dropped: new Set(),
    };
    return { spec: result.data, diagnostics: semanticDiagnostics(parsed, whole, context) };
  }
  const diagnostics = schemaDiagnostics(parsed, specSchema, result.error.issues);
  // Check the rest of the file too, so one run reports every problem, not one layer at a time.
  const repaired = repairForSemanticChecks(parsed.data, result.error.issues);
  if (repaired !== null) diagnostics.push(...semanticDiagnostics(parsed, repaired, context));
  return { spec: null, diagnostics };
}

/** A spec made schema-valid by leaving out what the schema rejected. */
interface Repaired {
  spec: Spec;
  /** For each task of `spec`, its index in the file. */
  taskIndex: readonly number[];
  /** Ids of tasks left out, so references to them are not reported again. */
  dropped: ReadonlySet<string>;
}

/**
 * Leaves out unknown keys, tasks with schema problems and top-level keys with schema problems.
 * Null when what remains is still not a valid spec (for example `dag_id` or `tasks` is broken).
 */
function repairForSemanticChecks(data: unknown, issues: readonly Issue[]): Repaired | null {
  if (!isRecord(data) || !Array.isArray(data.tasks)) return null;
  const copy = structuredClone(data) as Record<string, unknown> & { tasks: unknown[] };
  const badTasks = new Set<number>();
  for (const issue of issues) {
    const [first, second] = issue.path;
    if (first === 'tasks' && typeof second === 'number') badTasks.add(second);
    else if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      for (const key of issue.keys) delete copy[key];
    } else if (typeof first === 'string' && first !== 'tasks') delete copy[first];
    else return null;
  }
  const taskIndex = copy.tasks.map((_, index) => index).filter((index) => !badTasks.has(index));
  const dropped = new Set(
    [...badTasks].flatMap((index) => {
      const id = (copy.tasks[index] as Record<string, unknown> | undefined)?.id;
      return typeof id === 'string' ? [id] : [];
    }),
  );
  copy.tasks = taskIndex.map((index) => copy.tasks[index]);
  const result = specSchema.safeParse(copy);
  return result.success ? { spec: result.data, taskIndex, dropped } : null;
}

function semanticDiagnostics(
  parsed: ParsedFile,
  repaired: Repaired,
  context: SpecContext,
): Diagnostic[] {
  const { spec, taskIndex, dropped } = repaired;
  const diagnostics: Diagnostic[] = [];
  // Paths below are in the checked spec; tasks map back to their index in the file.
  const inFile = (where: DataPath): DataPath =>
    where[0] === 'tasks' && typeof where[1] === 'number'
      ? ['tasks', taskIndex[where[1]] ?? where[1], ...where.slice(2)]
      : where;
  const report = (where: DataPath, code: string, message: string, key = false) => {
    diagnostics.push({
      file: parsed.file,
      ...locate(parsed, inFile(where), { key }),
      code,
      message,
    });
  };
  const { project } = context;

  const expectedId = path.basename(parsed.file).replace(/\.ya?ml$/, '');
  if (spec.dag_id !== expectedId) {
    report(['dag_id'], 'E005', `dag_id '${spec.dag_id}' must equal the file name '${expectedId}'`);
  }

  const startDate = spec.start_date ?? project.dag_defaults?.start_date;
  if (startDate === undefined) {
    report(
      [],
      'E004',
      "missing required key 'start_date' (set it in the spec or in _project.yaml dag_defaults)",
    );
  } else if (
    spec.end_date !== undefined &&
    compareText(normalizeDateTime(startDate), normalizeDateTime(spec.end_date)) > 0
  ) {
    report(['end_date'], 'E028', `end_date ${spec.end_date} is before start_date ${startDate}`);
  }

  if (spec.notify_on_failure === true && project.failure_webhook_connection === undefined) {
    report(
      ['notify_on_failure'],
      'E029',
      'notify_on_failure: true needs failure_webhook_connection in _project.yaml (or name one: {connection: <id>})',
    );
  }

  checkSettings(spec.defaults, ['defaults'], spec, project, report);

  // Per task: kind, fan-out, placeholders, settings, kind-specific checks.
  const seenIds = new Map<string, DataPath>();
  const expanded = expandTasks(spec);
  for (const [index, task] of spec.tasks.entries()) {
    const at: DataPath = ['tasks', index];
    const kind = kindOf(task);
    if (kind === null) {
      const given = (['extract', 'dbt', 'container'] as const).filter(
        (name) => task[name] !== undefined,
      );
      report(
        [...at, 'id'],
        'E018',
        given.length === 0
          ? `task '${task.id}' needs one of extract, dbt or container`
          : `task '${task.id}' has ${given.join(' and ')}; a task is exactly one of extract, dbt or container`,
      );
    }
    const items = fanOutItems(task);
    const itemIds = new Set<string>();
    for (const [itemIndex, item] of items.entries()) {
      const where: DataPath = item === null ? [...at, 'id'] : [...at, 'for_each', itemIndex];
      if (item !== null && itemIds.has(item.id)) {
        report(where, 'E019', `fan-out item '${item.id}' is listed twice`);
        continue;
      }
      if (item !== null) itemIds.add(item.id);
      const taskId = item === null ? task.id : `${task.id}__${item.id}`;
      if (taskId.length > MAX_AIRFLOW_ID_LENGTH) {
        report(
          where,
          'E033',
          `task id '${abbreviate(taskId)}' is ${taskId.length} characters; Airflow allows at most ${MAX_AIRFLOW_ID_LENGTH}${item === null ? '' : ' (a fan-out copy is <task id>__<item id>)'}`,
        );
      }
      const previous = seenIds.get(taskId);
      if (previous !== undefined) {
        report(
          where,
          'E007',
          `duplicate task id '${taskId}' (first defined at line ${locate(parsed, inFile(previous)).line})`,
        );
      } else {
        seenIds.set(taskId, where);
      }
    }
    if (task.id.includes('..')) {
      report([...at, 'id'], 'E034', `task id '${task.id}' contains '..', which Airflow rejects`);
    }
    checkPlaceholders(task, items, at, report);
    checkSettings(task, at, spec, project, report);
    if (task.extract !== undefined) checkExtract(task, items, at, context, report);
    for (const [secretIndex, env] of (
      task.extract?.secrets ??
      task.container?.secrets ??
      []
    ).entries()) {
      if (!(env in project.secrets)) {
        const where: DataPath = [
          ...at,
          task.extract ? 'extract' : 'container',
          'secrets',
          secretIndex,
        ];
        report(
          where,
          'E016',
          `secret ${env} is not declared in _project.yaml \`secrets\`${didYouMean(env, Object.keys(project.secrets))}`,
        );
      }
    }
    const dbt = task.dbt;
    if (dbt?.full_refresh !== undefined && !['build', 'run', 'seed'].includes(dbt.command)) {
      report(
        [...at, 'dbt', 'full_refresh'],
        'E026',
        `full_refresh applies to dbt build, run and seed, not '${dbt.command}'`,
      );
    }
    if (
      dbt?.command === 'source freshness' &&
      (dbt.exclude !== undefined || dbt.selector !== undefined)
    ) {
      report([...at, 'dbt'], 'E026', "dbt 'source freshness' takes select only");
    }
  }

  // after: references, then cycles among the expanded tasks.
  const names = [
    ...new Set([...spec.tasks.map((task) => task.id), ...expanded.map((copy) => copy.taskId)]),
  ];
  for (const [index, task] of spec.tasks.entries()) {
    for (const [refIndex, name] of (task.after ?? []).entries()) {
      const refersToDropped = [...dropped].some((id) => name === id || name.startsWith(`${id}__`));
      if (!names.includes(name) && !refersToDropped) {
        report(
          ['tasks', index, 'after', refIndex],
          'E008',
          `after: no task '${name}' in this DAG${didYouMean(name, names)}`,
        );
      }
    }
  }
  const cycle = findCycle(expanded);
  if (cycle !== null) {
    const first = expanded.find((copy) => copy.taskId === cycle[0]);
    report(
      ['tasks', first?.index ?? 0, 'after'],
      'E009',
      `dependency cycle: ${cycle.join(' -> ')}`,
    );
  }
  return diagnostics;
}

/** The start and end of a long id, for messages. */
function abbreviate(id: string): string {
  return id.length <= 60 ? id : `${id.slice(0, 40)}...${id.slice(-12)}`;
}

type Report = (where: DataPath, code: string, message: string, key?: boolean) => void;

function checkSettings(
  settings: TaskSettings | undefined,
  at: DataPath,
  spec: Spec,
  project: ProjectSpec,
  report: Report,
): void {
  if (settings === undefined) return;
  const poolMessage = settings.pool === undefined ? null : poolProblem(project, settings.pool);
  if (poolMessage !== null) report([...at, 'pool'], 'E023', poolMessage);
  if (settings.max_retry_delay !== undefined) {
    const backoff =
      settings.retry_exponential_backoff ??
      spec.defaults?.retry_exponential_backoff ??
      project.task_defaults?.retry_exponential_backoff ??
      false;
    if (!backoff) {
      report(
        [...at, 'max_retry_delay'],
        'W004',
        'max_retry_delay has no effect without retry_exponential_backoff: true',
      );
    }
  }
}

function checkPlaceholders(
  task: TaskSpec,
  items: readonly (FanOutItem | null)[],
  at: DataPath,
  report: Report,
): void {
  // Fields where run-time placeholders are allowed, and whether raw Jinja passes through there.
  const fields: { where: DataPath; value: string; allowRun: boolean; jinja: boolean }[] = [];
  const add = (where: DataPath, value: unknown, allowRun: boolean, jinja = false) => {
    if (typeof value === 'string') fields.push({ where, value, allowRun, jinja });
    else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) add([...where, index], entry, allowRun, jinja);
    }
  };
  for (const [name, value] of Object.entries(task.extract?.flags ?? {}))
    add([...at, 'extract', 'flags', name], value, true);
  for (const key of ['select', 'exclude', 'selector', 'target'] as const)
    add([...at, 'dbt', key], task.dbt?.[key], true);
  if (task.dbt?.vars !== undefined)
    add([...at, 'dbt', 'vars'], JSON.stringify(task.dbt.vars), true);
  add([...at, 'container', 'command'], task.container?.command, true, true);
  add([...at, 'container', 'entrypoint'], task.container?.entrypoint, false);
  for (const [name, value] of Object.entries(task.container?.environment ?? {})) {
    add([...at, 'container', 'environment', name], value, true, true);
  }
  add([...at, 'produces'], task.produces, false);
  for (const field of fields) {
    if (field.jinja && looksLikeJinja(field.value)) continue;
    for (const name of placeholdersIn(field.value)) {
      for (const item of items) {
        const problem = placeholderProblem(name, item, field.allowRun);
        if (problem !== null) {
          report(field.where, problem.startsWith('unknown') ? 'E025' : 'E019', problem);
          break;
        }
      }
    }
  }
}

function checkExtract(
  task: TaskSpec,
  items: readonly (FanOutItem | null)[],
  at: DataPath,
  context: SpecContext,
  report: Report,
): void {
  const extract = task.extract;
  if (extract === undefined) return;
  const loaded = context.contracts.sources.get(extract.source);
  if (loaded === undefined) {
    const known = [...context.contracts.sources.keys()];
    report(
      [...at, 'extract', 'source'],
      'E013',
      `unknown extractor source '${extract.source}' (known: ${known.join(', ') || 'none: no extractors/*/contract.ts found'})${didYouMean(extract.source, known)}`,
    );
    return;
  }
  const { contract } = loaded;
  const flags = flagsOf(context.contracts, contract);
  const windowed = isWindowed(contract);
  // The generated command passes these; a spec that set them too would pass them twice.
  const setByRun = (name: string) =>
    name === 'run-id' || (windowed && (name === 'since' || name === 'until'));
  const given = extract.flags ?? {};
  for (const [name, value] of Object.entries(given)) {
    const flag = flags[name];
    if (flag === undefined) {
      const known = Object.keys(flags);
      report(
        [...at, 'extract', 'flags', name],
        'E014',
        `source '${contract.source}' has no flag '${name}' (flags: ${known.join(', ')})${didYouMean(name, known)}`,
        true,
      );
      continue;
    }
    if (setByRun(name)) {
      report(
        [...at, 'extract', 'flags', name],
        'E020',
        `flag '${name}' is set by the run (${name === 'run-id' ? "Airflow's run id" : "the run's data interval"}); remove it`,
        true,
      );
      continue;
    }
    const problem = flagValueProblem(flag, value);
    if (problem !== null)
      report([...at, 'extract', 'flags', name], 'E017', `flag '${name}': ${problem}`);
  }
  // What the task container gets in its environment: a required flag read from there is met.
  const environment = context.project.environment ?? {};
  const secrets = new Set([...(extract.secrets ?? []), ...(context.project.shared_secrets ?? [])]);
  for (const [name, flag] of Object.entries(contract.flags)) {
    if (!flag.required || name in given || flag.default !== undefined || setByRun(name)) continue;
    if (flag.env !== undefined && (flag.env in environment || secrets.has(flag.env))) continue;
    report(
      [...at, 'extract'],
      'E021',
      `source '${contract.source}' requires flag '${name}' (${flag.description})`,
    );
  }
  const reaches = (env: string) => secrets.has(env) || env in environment;
  for (const secret of contract.secrets) {
    if (secret.required && !secrets.has(secret.env)) {
      if ((secret.unlessGiven ?? []).some(reaches)) continue;
      report(
        [...at, 'extract'],
        'E015',
        `source '${contract.source}' requires secret ${secret.env} (${secret.description}); add it to extract.secrets${secret.unlessGiven === undefined ? '' : ` (or give ${secret.unlessGiven.join(' or ')})`}`,
      );
    }
  }
  const groups: AccountGroupCheck =
    contract.accountGroups !== undefined && context.accounts !== undefined
      ? checkAccountGroups({
          task,
          items,
          at,
          accountGroups: contract.accountGroups,
          flagEnv: {
            file: flags[contract.accountGroups.fileFlag]?.env,
            group: flags[contract.accountGroups.groupFlag]?.env,
          },
          environment,
          secrets,
          source: contract.source,
          reader: context.accounts,
          report,
        })
      : { groupSecrets: new Set(), foreignSecrets: new Set() };
  const declaredSecrets = [
    ...new Set([...contract.secrets.map((secret) => secret.env), ...groups.groupSecrets]),
  ];
  for (const [index, env] of (extract.secrets ?? []).entries()) {
    if (groups.foreignSecrets.has(env)) continue;
    if (!declaredSecrets.includes(env)) {
      report(
        [...at, 'extract', 'secrets', index],
        'W003',
        `source '${contract.source}' does not declare secret ${env} (declares: ${declaredSecrets.join(', ') || 'none'})`,
      );
    }
  }
  const written = contract.tables.map((table) => `clickhouse://${table.table.replace('.', '/')}`);
  for (const [index, uri] of (task.produces ?? []).entries()) {
    if (uri.startsWith('clickhouse://') && !uri.includes('${') && !written.includes(uri)) {
      report(
        [...at, 'produces', index],
        'W002',
        `source '${contract.source}' does not write ${uri} (writes: ${written.join(', ') || 'nothing declared'})`,
      );
    }
  }
}

function flagValueProblem(flag: FlagContract, value: unknown): string | null {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  const hasPlaceholder = typeof value === 'string' && placeholdersIn(value).length > 0;
  if (hasPlaceholder) return null;
  switch (flag.type) {
    case 'boolean':
      return typeof value === 'boolean'
        ? null
        : `expected true or false, got ${JSON.stringify(value)}`;
    case 'integer':
      return /^-?\d+$/.test(text) && !Array.isArray(value)
        ? null
        : `expected an integer, got ${JSON.stringify(value)}`;
    case 'number':
      // The same syntax the extractor CLI's flag parser accepts.
      return !Array.isArray(value) && /^-?\d+(\.\d+)?$/.test(text)
        ? null
        : `expected a number, got ${JSON.stringify(value)}`;
    case 'date':
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        parseDateTime(value) !== null
        ? null
        : `expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`;
    case 'enum': {
      const allowed = (flag.values ?? []).map(String);
      return allowed.includes(text) && !Array.isArray(value)
        ? null
        : `'${text}' is not one of: ${allowed.join(', ')}${didYouMean(text, allowed)}`;
    }
    case 'list':
      if (typeof value !== 'string' && !Array.isArray(value)) {
        return `expected a list or comma-separated string, got ${JSON.stringify(value)}`;
      }
      return text.split(',').some((item) => item.trim() !== '') ? null : 'the list is empty';
    default:
      return typeof value === 'string' || typeof value === 'number'
        ? null
        : `expected a string, got ${JSON.stringify(value)}`;
  }
}

/** The first dependency cycle as task ids (first repeated at the end), or null. */
function findCycle(expanded: readonly ExpandedTask[]): string[] | null {
  const upstream = new Map(
    expanded.map((copy) => [copy.taskId, resolveAfter(copy.task, expanded)]),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of upstream.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const copy of expanded) {
    const cycle = visit(copy.taskId);
    if (cycle !== null) return cycle.reverse();
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Across specs

export function crossSpecDiagnostics(
  specs: readonly { parsed: ParsedFile; spec: Spec }[],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const firstFile = new Map<string, string>();
  for (const { parsed, spec } of specs) {
    const first = firstFile.get(spec.dag_id);
    if (first !== undefined) {
      diagnostics.push({
        file: parsed.file,
        ...locate(parsed, ['dag_id']),
        code: 'E006',
        message: `dag_id '${spec.dag_id}' is already used by ${first}`,
      });
    } else {
      firstFile.set(spec.dag_id, parsed.file);
    }
  }
  const produced = new Set(
    specs.flatMap(({ spec }) => spec.tasks.flatMap((task) => producedUris(task))),
  );
  for (const { parsed, spec } of specs) {
    const schedule = spec.schedule;
    if (typeof schedule !== 'object' || schedule === null) continue;
    schedule.assets.forEach((uri, index) => {
      if (!produced.has(uri)) {
        diagnostics.push({
          file: parsed.file,
          ...locate(parsed, ['schedule', 'assets', index]),
          code: 'W001',
          message: `no spec produces asset ${uri}; this DAG runs only when something else updates it`,
        });
      }
    });
  }
  return diagnostics;
}

/** Asset URIs a task produces, fan-out placeholders substituted. */
function producedUris(task: TaskSpec): string[] {
  return fanOutItems(task).flatMap((item) =>
    (task.produces ?? []).flatMap((uri) => {
      const arg = toArg(uri, item);
      // A run-time placeholder here is reported by checkPlaceholders; such a URI produces nothing.
      return typeof arg === 'string' ? [arg] : [];
    }),
  );
}
