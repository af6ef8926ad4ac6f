/**
 * Stage 2: data → checked spec. First the zod schema (each issue mapped back to its YAML node),
 * then the semantic checks, which need more than one value. Each family of checks is a small
 * module in ./checks/ and runs from the dispatch tables below: the project file's checks, one
 * spec's checks, each task's checks, and the checks across specs. Every problem becomes a
 * diagnostic; nothing throws for user errors.
 */
import { type CrossSpecInput, unproducedAssets } from './checks/assets.js';
import { checkDagId, checkDates, checkNotification, duplicateDagIds } from './checks/dag.js';
import { checkDbtOptions } from './checks/dbt.js';
import { checkAfterReferences, checkCycles } from './checks/dependencies.js';
import { checkExtract } from './checks/extract.js';
import { checkSpecTarget } from './checks/kubernetes.js';
import { checkPlaceholders } from './checks/placeholders.js';
import { projectChecks } from './checks/project.js';
import { checkTaskSecrets } from './checks/secrets.js';
import { checkDefaultSettings, checkTaskSettings } from './checks/settings.js';
import { checkTaskIds } from './checks/task-ids.js';
import type { Report, SpecCheck, SpecCheckInput, SpecContext, TaskCheck } from './checks/types.js';
import { type Diagnostic, diagnostic } from './diagnostics.js';
import { expandTasks, fanOutItems } from './expand.js';
import { type DataPath, isRecord, locate, type ParsedFile } from './parse.js';
import { type ProjectSpec, projectSchema, type Spec, specSchema } from './schema.js';
import { type Issue, schemaDiagnostics } from './schema-issues.js';

export type { CheckedSpec } from './checks/assets.js';
export type { SpecContext } from './checks/types.js';
export { type ExpandedTask, expandTasks, MAX_AIRFLOW_ID_LENGTH, resolveAfter } from './expand.js';

/** Each task's checks, by family. */
const taskChecks: Readonly<Record<string, TaskCheck>> = {
  placeholders: checkPlaceholders, // E019 E025
  settings: checkTaskSettings, // E023 W004
  extract: checkExtract, // E013-E015 E017 E020 E021 E030 E031 W002 W003
  secrets: checkTaskSecrets, // E016
  dbt: checkDbtOptions, // E026
};

const checkEachTask: SpecCheck = (input) => {
  for (const [index, task] of input.spec.tasks.entries()) {
    const taskInput = { ...input, task, at: ['tasks', index], items: fanOutItems(task) };
    for (const check of Object.values(taskChecks)) check(taskInput);
  }
};

/** One spec's checks, by family. */
const specChecks: Readonly<Record<string, SpecCheck>> = {
  dagId: checkDagId, // E005
  dates: checkDates, // E004 E028
  target: checkSpecTarget, // E041
  notification: checkNotification, // E029
  defaults: checkDefaultSettings, // E023 W004
  taskIds: checkTaskIds, // E007 E018 E019 E033 E034
  tasks: checkEachTask,
  after: checkAfterReferences, // E008
  cycles: checkCycles, // E009
};

/** Checks across all specs, by family. */
const crossSpecChecks: Readonly<Record<string, (input: CrossSpecInput) => Diagnostic[]>> = {
  dagIds: duplicateDagIds, // E006
  assets: unproducedAssets, // W001
};

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
  const diagnostics: Diagnostic[] = [];
  const report: Report = (where, code, params, options) => {
    const at = { file: parsed.file, ...locate(parsed, where, options) };
    diagnostics.push(diagnostic(code, at, params));
  };
  for (const check of Object.values(projectChecks)) check({ project: result.data, report });
  return { project: result.data, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Specs

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
  const report: Report = (where, code, params, options) => {
    const at = { file: parsed.file, ...locate(parsed, inFile(where), options) };
    diagnostics.push(diagnostic(code, at, params));
  };
  const input: SpecCheckInput = {
    parsed,
    spec,
    expanded: expandTasks(spec),
    dropped,
    context,
    report,
    lineOf: (where) => locate(parsed, inFile(where)).line,
  };
  for (const check of Object.values(specChecks)) check(input);
  return diagnostics;
}

// ---------------------------------------------------------------------------------------------
// Across specs

/**
 * Problems between specs. `failed` holds the data of specs that did not pass the schema
 * (undefined for one that was not even YAML), so their errors do not also show up as warnings
 * about the specs that depend on them.
 */
export function crossSpecDiagnostics(
  checked: CrossSpecInput['checked'],
  failed: CrossSpecInput['failed'] = [],
): Diagnostic[] {
  return Object.values(crossSpecChecks).flatMap((check) => check({ checked, failed }));
}
