/**
 * Stage 3: a checked spec → IR. Fills every default (built-in ← _project.yaml ← spec `defaults`
 * ← task), expands fan-outs, and builds each task's image, entrypoint, command, environment and
 * secrets. Runs only on specs that passed validation, so it reports nothing itself.
 */
import { createHash } from 'node:crypto';
import { type ContractSet, flagsOf, isWindowed } from './contracts.js';
import { cronOf } from './cron.js';
import { compareText } from './diagnostics.js';
import type { Arg, IrDag, IrPool, IrSchedule, IrTask, SecretBinding, SecretSource } from './ir.js';
import { lowerKubernetes, targetOf } from './k8s-lower.js';
import { locate, type ParsedFile } from './parse.js';
import { type FanOutItem, looksLikeJinja, substituteItem, toArg } from './placeholders.js';
import {
  DEFAULT_ASSET_CONDITION,
  durationSeconds,
  normalizeDateTime,
  type ProjectSpec,
  type Spec,
  type TaskSettings,
  type TaskSpec,
} from './schema.js';
import { expandTasks, resolveAfter } from './validate.js';

/** Used where neither _project.yaml nor the spec says otherwise. */
const BUILT_IN_TASK_DEFAULTS = {
  retries: 0,
  retry_delay: '5m',
  retry_exponential_backoff: false,
  max_retry_delay: undefined,
  execution_timeout: null,
  skip_on_exit_code: [],
  pool: 'default_pool',
  pool_slots: 1,
} as const satisfies TaskSettings;

const BUILT_IN_DAG_DEFAULTS = {
  owner: 'airflow',
  timezone: 'UTC',
  catchup: false,
  max_active_runs: 1,
  max_active_tasks: 16,
} as const;

const DEFAULT_DBT_ENTRYPOINT = ['dbt'] as const;

export function lowerDag(
  parsed: ParsedFile,
  spec: Spec,
  project: ProjectSpec,
  contracts: ContractSet,
): IrDag {
  const dagDefaults = project.dag_defaults ?? {};
  const timezone = spec.timezone ?? dagDefaults.timezone ?? BUILT_IN_DAG_DEFAULTS.timezone;
  const expanded = expandTasks(spec);
  const tasks = expanded.map(({ task, item, taskId, index }) => {
    const settings = mergeSettings(project.task_defaults, spec.defaults, task);
    const body = taskBody(task, item, project, contracts);
    const location = { file: parsed.file, ...locate(parsed, ['tasks', index]) };
    const ir: IrTask = {
      taskId,
      specId: task.id,
      item: item?.id ?? null,
      source: task.extract?.source ?? null,
      description: task.description ?? null,
      ...body,
      upstream: resolveAfter(task, expanded),
      outlets: [...new Set((task.produces ?? []).map((uri) => substituteItem(uri, item)))].sort(
        compareText,
      ),
      retries: settings.retries,
      retryDelaySeconds: durationSeconds(settings.retry_delay),
      retryExponentialBackoff: settings.retry_exponential_backoff,
      maxRetryDelaySeconds:
        settings.max_retry_delay === undefined ? null : durationSeconds(settings.max_retry_delay),
      executionTimeoutSeconds:
        settings.execution_timeout === null ? null : durationSeconds(settings.execution_timeout),
      skipOnExitCodes: [...new Set(settings.skip_on_exit_code)].sort((a, b) => a - b),
      pool: settings.pool,
      poolSlots: settings.pool_slots,
      location,
    };
    return ir;
  });
  const notify = spec.notify_on_failure;
  const target = targetOf(spec.target, project.target);
  return {
    dagId: spec.dag_id,
    specFile: parsed.file,
    specSha256: createHash('sha256').update(parsed.text).digest('hex'),
    description: spec.description ?? null,
    docMd: spec.doc_md ?? null,
    owner: spec.owner ?? dagDefaults.owner ?? BUILT_IN_DAG_DEFAULTS.owner,
    tags: [...new Set([...(dagDefaults.tags ?? []), ...(spec.tags ?? [])])].sort(compareText),
    schedule: scheduleOf(spec.schedule),
    timezone,
    // Validation guarantees a start date from the spec or the project.
    startDate: normalizeDateTime(spec.start_date ?? dagDefaults.start_date ?? ''),
    endDate: spec.end_date === undefined ? null : normalizeDateTime(spec.end_date),
    catchup: spec.catchup ?? dagDefaults.catchup ?? BUILT_IN_DAG_DEFAULTS.catchup,
    maxActiveRuns:
      spec.max_active_runs ?? dagDefaults.max_active_runs ?? BUILT_IN_DAG_DEFAULTS.max_active_runs,
    maxActiveTasks:
      spec.max_active_tasks ??
      dagDefaults.max_active_tasks ??
      BUILT_IN_DAG_DEFAULTS.max_active_tasks,
    dagrunTimeoutSeconds:
      spec.dagrun_timeout === undefined ? null : durationSeconds(spec.dagrun_timeout),
    failureWebhookConnection:
      notify === true
        ? (project.failure_webhook_connection ?? null)
        : typeof notify === 'object'
          ? notify.connection
          : null,
    docker: { url: project.docker.url, network: project.docker.network },
    target,
    kubernetes: lowerKubernetes(target, project.kubernetes),
    tasks,
  };
}

export function lowerPools(project: ProjectSpec): IrPool[] {
  return Object.entries(project.pools ?? {})
    .map(([name, pool]) => ({ name, slots: pool.slots, description: pool.description ?? '' }))
    .sort((a, b) => compareText(a.name, b.name));
}

type Effective = {
  [K in keyof TaskSettings]-?: K extends 'max_retry_delay'
    ? string | undefined
    : Exclude<TaskSettings[K], undefined>;
};

function mergeSettings(...levels: (TaskSettings | undefined)[]): Effective {
  const merged: Record<string, unknown> = { ...BUILT_IN_TASK_DEFAULTS };
  for (const level of levels) {
    for (const key of Object.keys(BUILT_IN_TASK_DEFAULTS)) {
      const value = level?.[key as keyof TaskSettings];
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged as Effective;
}

function scheduleOf(schedule: Spec['schedule']): IrSchedule {
  if (schedule === undefined || schedule === null) return { kind: 'manual' };
  if (typeof schedule === 'object')
    return {
      kind: 'assets',
      uris: [...new Set(schedule.assets)].sort(compareText),
      when: schedule.when ?? DEFAULT_ASSET_CONDITION,
    };
  const cron = cronOf(schedule);
  return cron === null ? { kind: 'once' } : { kind: 'cron', cron, expression: schedule };
}

type TaskBody = Pick<
  IrTask,
  'kind' | 'image' | 'entrypoint' | 'command' | 'environment' | 'secrets'
>;

function taskBody(
  task: TaskSpec,
  item: FanOutItem | null,
  project: ProjectSpec,
  contracts: ContractSet,
): TaskBody {
  const shared = project.environment ?? {};
  const sharedSecrets = project.shared_secrets ?? [];
  if (task.extract !== undefined) {
    const extract = task.extract;
    const loaded = contracts.sources.get(extract.source);
    const windowed = loaded !== undefined && isWindowed(loaded.contract);
    const known = loaded === undefined ? {} : flagsOf(contracts, loaded.contract);
    const command: Arg[] = [extract.source];
    if ('run-id' in known) command.push('--run-id', { template: 'run_id' });
    if (windowed)
      command.push('--since', { template: 'window_start' }, '--until', { template: 'window_end' });
    for (const [name, value] of Object.entries(extract.flags ?? {})) {
      command.push(
        `--${name}`,
        toArg(Array.isArray(value) ? value.join(',') : String(value), item),
      );
    }
    return {
      kind: 'extract',
      image: project.images.extractor,
      entrypoint: null,
      command,
      environment: environmentOf([shared], item),
      secrets: secretsOf([...sharedSecrets, ...(extract.secrets ?? [])], project),
    };
  }
  if (task.dbt !== undefined) {
    const dbt = task.dbt;
    const command: Arg[] = [...dbt.command.split(' ')];
    const many = (flag: string, values: readonly string[] | undefined) => {
      if (values !== undefined && values.length > 0)
        command.push(flag, ...values.map((value) => toArg(value, item)));
    };
    many('--select', dbt.select);
    many('--exclude', dbt.exclude);
    if (dbt.selector !== undefined) command.push('--selector', toArg(dbt.selector, item));
    if (dbt.full_refresh === true) command.push('--full-refresh');
    if (dbt.vars !== undefined) command.push('--vars', toArg(stableJson(dbt.vars), item));
    if (dbt.target !== undefined) command.push('--target', toArg(dbt.target, item));
    return {
      kind: 'dbt',
      image: project.images.dbt,
      entrypoint: [...(project.dbt?.entrypoint ?? DEFAULT_DBT_ENTRYPOINT)],
      command,
      environment: environmentOf([shared, project.dbt?.environment ?? {}], item),
      secrets: secretsOf([...sharedSecrets, ...(project.dbt?.secrets ?? [])], project),
    };
  }
  const container = task.container ?? {};
  return {
    kind: 'container',
    image: container.image ?? project.images.extractor,
    entrypoint: container.entrypoint?.map((part) => substituteItem(part, item)) ?? null,
    command: (container.command ?? []).map((part) => templatedArg(part, item)),
    environment: environmentOf([shared], item, container.environment),
    secrets: secretsOf([...sharedSecrets, ...(container.secrets ?? [])], project),
  };
}

/** Container command items and environment values: raw Jinja passes through, else placeholders. */
function templatedArg(value: string, item: FanOutItem | null): Arg {
  return looksLikeJinja(value) ? { jinja: value } : toArg(value, item);
}

/** Layers later in the list win; values of `templated` (a container's own environment) may be raw Jinja. */
function environmentOf(
  layers: readonly Readonly<Record<string, string>>[],
  item: FanOutItem | null,
  templated: Readonly<Record<string, string>> = {},
): Record<string, Arg> {
  const merged: Record<string, Arg> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) merged[name] = toArg(value, item);
  }
  for (const [name, value] of Object.entries(templated)) merged[name] = templatedArg(value, item);
  return Object.fromEntries(
    Object.keys(merged)
      .sort(compareText)
      .map((name) => [name, merged[name] ?? '']),
  );
}

function secretsOf(names: readonly string[], project: ProjectSpec): SecretBinding[] {
  return [...new Set(names)].sort(compareText).map((env) => {
    const spec = project.secrets[env];
    // Validation guarantees every name is declared.
    if (spec === undefined) throw new Error(`undeclared secret passed validation: ${env}`);
    const source: SecretSource =
      'variable' in spec
        ? { kind: 'variable', key: spec.variable }
        : {
            kind: 'connection',
            connId: spec.connection,
            field: spec.field ?? 'password',
            extraKey: spec.extra_key ?? null,
          };
    return { env, source };
  });
}

/** JSON with object keys sorted, so generated files do not depend on key order in the spec. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => compareText(a, b)))
      : inner,
  );
}
