/**
 * Airflow's view of a DAG (what test/airflow/inspect_dags.py reports from the serialized form)
 * against the compiler's IR, field by field. Each difference is one line naming DAG, task and
 * field, with both values.
 */
import { type Arg, type IrDag, type IrTask, renderArg, windowFor } from '../../codegen/index.js';

/** The fake run inspect_dags.py renders templates for. */
export const RUN = {
  run_id: 'scheduled__2026-03-01T00:00:00+00:00',
  data_interval_start: '2026-03-01T00:00:00+00:00',
  data_interval_end: '2026-03-02T00:00:00+00:00',
} as const;

export type Condition = string | { all: Condition[] } | { any: Condition[] } | { unknown: unknown };

export interface AirflowTask {
  task_id: string;
  task_type: string;
  upstream: string[];
  owner: string;
  doc_md: string | null;
  retries: number;
  retry_delay: number | null;
  retry_exponential_backoff: boolean;
  max_retry_delay: number | null;
  execution_timeout: number | null;
  skip_on_exit_code: number[];
  pool: string;
  pool_slots: number;
  do_xcom_push: boolean;
  outlets: string[];
  image: string;
  command: string[] | string | null;
  environment: Record<string, string> | null;
  template_fields: string[];
  rendered:
    | { image: string; command: string[] | string | null; environment: Record<string, string> }
    | { error: string };
  operator: {
    entrypoint: string[] | string | null;
    docker_url: string;
    network_mode: string | null;
    auto_remove: string;
    mount_tmp_dir: boolean;
    secret_env: Record<string, [string, string, string | null, string | null]>;
    private_environment: Record<string, string>;
  };
}

export interface AirflowDag {
  dag_id: string;
  fileloc: string;
  description: string | null;
  doc_md: string | null;
  owner: string | null;
  tags: string[];
  timezone: string;
  start_date: string | null;
  end_date: string | null;
  catchup: boolean;
  max_active_runs: number;
  max_active_tasks: number;
  dagrun_timeout: number | null;
  has_on_failure_callback: boolean;
  user_defined_macros: string[];
  schedule:
    | { kind: 'manual' | 'once'; timetable: string }
    | { kind: 'cron'; timetable: string; cron: string; timezone: string }
    | { kind: 'assets'; timetable: string; condition: Condition }
    | { kind: 'other'; timetable: string; var: unknown };
  tasks: AirflowTask[];
}

export interface AirflowFolder {
  folder: string;
  import_errors: Record<string, string>;
  captured_warnings: Record<string, string[]>;
  other_warnings: string[];
  serialization_errors: Record<string, string>;
  dags: Record<string, AirflowDag>;
  /** Airflow 3 only (null on 2): what each DAG failure callback posted, run as the dag-processor runs it. */
  dag_failure_callbacks: Record<string, { posted: { text: string }[] } | { error: string }> | null;
}

export interface AirflowReport {
  airflow_version: string;
  docker_provider_version: string;
  folders: AirflowFolder[];
}

const show = (value: unknown) => JSON.stringify(value);

/** Collapses one-element all/any groups (an Airflow list of one asset is just that asset). */
function normalize(condition: Condition): Condition {
  if (typeof condition === 'string') return condition;
  if ('all' in condition || 'any' in condition) {
    const op = 'all' in condition ? 'all' : 'any';
    const items = ('all' in condition ? condition.all : condition.any).map(normalize);
    if (items.length === 1 && items[0] !== undefined) return items[0];
    const sorted = [...items].sort((a, b) => show(a).localeCompare(show(b)));
    return op === 'all' ? { all: sorted } : { any: sorted };
  }
  return condition;
}

/**
 * What the spec's asset schedule means: the DAG runs when ANY (or ALL, `when: all`) of the
 * listed assets is updated (dag-spec schema, DESIGN.md "Airflow compatibility").
 */
function expectedCondition(uris: readonly string[], when: 'any' | 'all'): Condition {
  return normalize(when === 'any' ? { any: [...uris] } : { all: [...uris] });
}

function secretTuple(task: IrTask): Record<string, [string, string, string | null, string | null]> {
  const out: Record<string, [string, string, string | null, string | null]> = {};
  for (const { env, source } of task.secrets) {
    out[env] =
      source.kind === 'variable'
        ? ['variable', source.key, null, null]
        : ['connection', source.connId, source.field, source.extraKey];
  }
  return out;
}

type FieldCheck = (field: string, actual: unknown, expected: unknown) => void;

/** A check that adds `<where>/<field>: Airflow … ≠ IR …` to `problems` when the two differ. */
function fieldCheck(problems: string[], where: string): FieldCheck {
  return (field, actual, expected) => {
    if (show(actual) !== show(expected)) {
      problems.push(`${where}/${field}: Airflow ${show(actual)} ≠ IR ${show(expected)}`);
    }
  };
}

/** Checks each field of `expected` against the Airflow field of the same name, in order. */
function checkFields<Actual extends object>(
  check: FieldCheck,
  actual: Actual,
  expected: { [Field in keyof Actual]?: unknown },
): void {
  for (const field of Object.keys(expected) as (keyof Actual & string)[]) {
    check(field, actual[field], expected[field]);
  }
}

/** Compares one DAG; returns `dag/task/field: …` lines. */
export function compareDag(ir: IrDag, airflow: AirflowDag): string[] {
  const problems: string[] = [];
  const dagField = fieldCheck(problems, `${ir.dagId}/-`);
  checkFields(dagField, airflow, {
    description: ir.description,
    doc_md: ir.docMd,
    owner: ir.owner,
    tags: [...ir.tags].sort(),
    timezone: ir.timezone,
    start_date: ir.startDate,
    end_date: ir.endDate,
    catchup: ir.catchup,
    max_active_runs: ir.maxActiveRuns,
    max_active_tasks: ir.maxActiveTasks,
    dagrun_timeout: ir.dagrunTimeoutSeconds,
  });
  dagField(
    'on_failure_callback',
    airflow.has_on_failure_callback,
    ir.failureWebhookConnection !== null,
  );

  const schedule = airflow.schedule;
  switch (ir.schedule.kind) {
    case 'manual':
    case 'once':
      dagField('schedule', schedule.kind, ir.schedule.kind);
      break;
    case 'cron':
      dagField('schedule', schedule.kind, 'cron');
      if (schedule.kind === 'cron') {
        dagField('schedule.cron', schedule.cron, ir.schedule.cron);
        dagField('schedule.timezone', schedule.timezone, ir.timezone);
        // Data-interval semantics: the run window (window.ts) is the interval the run covers.
        dagField('schedule.timetable', schedule.timetable, 'CronDataIntervalTimetable');
      }
      break;
    case 'assets':
      dagField('schedule', schedule.kind, 'assets');
      if (schedule.kind === 'assets') {
        dagField(
          'schedule.condition',
          normalize(schedule.condition),
          expectedCondition(ir.schedule.uris, ir.schedule.when),
        );
      }
      break;
  }

  const byId = new Map(airflow.tasks.map((task) => [task.task_id, task]));
  dagField(
    'task_ids',
    airflow.tasks.map((task) => task.task_id).sort(),
    ir.tasks.map((task) => task.taskId).sort(),
  );
  const window = windowFor({
    dataIntervalStart: new Date(RUN.data_interval_start),
    dataIntervalEnd: new Date(RUN.data_interval_end),
    runAfter: new Date(RUN.data_interval_end),
    timezone: ir.timezone,
  });
  const values = { windowStart: window.since, windowEnd: window.until, runId: RUN.run_id };

  for (const task of ir.tasks) {
    const actual = byId.get(task.taskId);
    if (actual === undefined) continue;
    const field = fieldCheck(problems, `${ir.dagId}/${task.taskId}`);
    checkFields(field, actual, {
      task_type: 'AdtechDockerOperator',
      upstream: [...task.upstream].sort(),
      owner: ir.owner,
      doc_md: task.description,
      retries: task.retries,
      retry_delay: task.retryDelaySeconds,
      retry_exponential_backoff: task.retryExponentialBackoff,
      max_retry_delay: task.maxRetryDelaySeconds,
      execution_timeout: task.executionTimeoutSeconds,
      skip_on_exit_code: [...task.skipOnExitCodes],
      pool: task.pool,
      pool_slots: task.poolSlots,
      // Generated tasks push no XCom (the container's last log line is nobody's input).
      do_xcom_push: false,
      outlets: [...task.outlets].sort(),
      image: task.image,
    });
    checkFields(field, actual.operator, {
      entrypoint: task.entrypoint,
      docker_url: ir.docker.url,
      network_mode: ir.docker.network,
      secret_env: secretTuple(task),
      // Secrets are read in execute(): nothing private exists when the file is parsed.
      private_environment: {},
    });
    for (const name of ['image', 'command', 'environment']) {
      if (!actual.template_fields.includes(name)) {
        problems.push(`${ir.dagId}/${task.taskId}/template_fields: ${name} is not templated`);
      }
    }

    // command and environment: raw Jinja args must reach Airflow verbatim; every other arg must
    // render (by Airflow, with the DAG's macros) to what the local runner would pass.
    const rendered = actual.rendered;
    if ('error' in rendered) {
      problems.push(`${ir.dagId}/${task.taskId}/render: ${rendered.error}`);
      continue;
    }
    field('rendered.image', rendered.image, task.image);
    const compareArgs = (
      name: string,
      expected: readonly [string, Arg][],
      raw: Record<string, string>,
      done: Record<string, string>,
    ) => {
      field(`${name}.keys`, Object.keys(done).sort(), expected.map(([key]) => key).sort());
      for (const [key, arg] of expected) {
        if (!(key in done)) continue;
        if (typeof arg === 'object' && 'jinja' in arg)
          field(`${name}[${key}]`, raw[key], arg.jinja);
        else field(`${name}[${key}]`, done[key], renderArg(arg, values));
      }
    };
    const asList = (value: string[] | string | null) =>
      Array.isArray(value) ? value : value === null ? [] : [value];
    const rawCommand = asList(actual.command);
    const renderedCommand = asList(rendered.command);
    field('command.length', renderedCommand.length, task.command.length);
    compareArgs(
      'command',
      task.command.map((arg, index) => [String(index), arg]),
      Object.fromEntries(rawCommand.map((arg, index) => [String(index), arg])),
      Object.fromEntries(renderedCommand.map((arg, index) => [String(index), arg])),
    );
    compareArgs(
      'environment',
      Object.entries(task.environment),
      actual.environment ?? {},
      rendered.environment ?? {},
    );
    for (const { env } of task.secrets) {
      if (env in (actual.environment ?? {})) {
        problems.push(
          `${ir.dagId}/${task.taskId}/environment[${env}]: a secret in the environment`,
        );
      }
    }
  }
  return problems;
}

/**
 * Airflow 3's dag-processor runs a DAG failure callback with only {dag, run_id, reason} when it
 * has no last task instance (dagrun_timeout, ...). The webhook message must still name the DAG,
 * the run and the reason.
 */
export function compareFailureCallback(ir: IrDag, folder: AirflowFolder): string[] {
  if (folder.dag_failure_callbacks === null || ir.failureWebhookConnection === null) return [];
  const prefix = `${ir.dagId}/-/on_failure_callback({dag, run_id, reason})`;
  const result = folder.dag_failure_callbacks[ir.dagId];
  if (result === undefined) return [`${prefix}: not run`];
  if ('error' in result) return [`${prefix}: ${result.error}`];
  const texts = result.posted.map((body) => body.text);
  if (texts.length !== 1) return [`${prefix}: posted ${show(texts)}`];
  const lines = (texts[0] ?? '').split('\n');
  const wanted = [`Airflow DAG ${ir.dagId} failed`, `run: ${RUN.run_id}`, 'reason: timed_out'];
  return wanted
    .filter((line) => !lines.includes(line))
    .map((line) => `${prefix}: message ${show(texts[0])} lacks ${show(line)}`);
}
