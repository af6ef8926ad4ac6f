/**
 * Runs one compiled DAG (the codegen IR) on this machine, like `airflow dags test`: each task in
 * dependency order as a local process, with the command, environment, secrets and run window the
 * generated Airflow task would get. Only what differs between a container and a laptop changes:
 * - the extractor image's CLIs (`extract`, `generate`) run from source through tsx;
 * - dbt is the real dbt from `.venvs/dbt` (python/dbt/requirements.lock), talking to the
 *   ClickHouse server `CLICKHOUSE_URL` names (the local stack's, `npm run local -- up`);
 * - environment values that name a compose service (`http://clickhouse:8123`) only resolve inside
 *   the stack, so the local environment's value is used instead (unset = embedded ClickHouse);
 * - secrets come from the local environment instead of Airflow Variables / Connections.
 */
import path from 'node:path';
import { execa } from 'execa';
import { type Arg, type IrDag, type IrTask, type RunValues, renderArg } from '../codegen/index.js';
import { ensurePythonTool, type PythonToolName } from '../python/tools.js';
import { type DbtProcess, dbtCommand, NoClickHouseServerError } from './dbt.js';

/** The warehouse for a note: scheme, host and port only (never credentials). */
function describeWarehouse(env: Record<string, string>): string {
  try {
    const url = new URL(env.CLICKHOUSE_URL ?? '');
    return `${url.protocol}//${url.host}`;
  } catch {
    return `${env.CLICKHOUSE_HOST ?? 'an unnamed host'}:${env.CLICKHOUSE_PORT ?? '8123'}`;
  }
}

export interface LocalCommand {
  file: string;
  args: string[];
  /** Complete environment of the process. */
  env: Record<string, string>;
  /** What the runner changed compared with the container, for the log. */
  notes: string[];
  /** The Python tool (virtualenv) the command runs from, installed before it starts. */
  pythonTool?: PythonToolName;
  /** dbt's run_results.json for this task, read to say which model or test failed. */
  resultsFile?: string;
}

export type TaskPlan =
  | { task: IrTask; command: LocalCommand }
  | { task: IrTask; cannotRun: string };

export interface PlanOptions {
  repoRoot: string;
  /** The local environment: base of every process and source of secrets. */
  env: NodeJS.ProcessEnv;
  /** Compose service names (`clickhouse`, `postgres`, ...): hosts that exist only in the stack. */
  stackHosts: ReadonlySet<string>;
  /** Images whose CLIs exist in this repository. */
  extractorImage: string;
  dbtImage: string;
}

/** Our CLIs inside the extractor image, by entrypoint, and the TypeScript file each runs. */
const EXTRACTOR_IMAGE_CLIS: Readonly<Record<string, string>> = {
  extract: 'extractors/cli.ts',
  generate: 'generator/cli.ts',
};

function jinjaIn(args: readonly Arg[]): string | null {
  for (const arg of args) if (typeof arg === 'object' && 'jinja' in arg) return arg.jinja;
  return null;
}

/** True when an environment value points at a service that only resolves inside compose. */
function namesStackHost(value: string, stackHosts: ReadonlySet<string>): boolean {
  for (const match of value.matchAll(/(?:\/\/|@)([A-Za-z0-9_.-]+)(?::\d+)?(?:\/|$)/g)) {
    if (stackHosts.has(match[1] ?? '')) return true;
  }
  return stackHosts.has(value);
}

function taskEnvironment(task: IrTask, values: RunValues, options: PlanOptions) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) env[key] = value;
  const notes: string[] = [];
  for (const [key, arg] of Object.entries(task.environment)) {
    const value = renderArg(arg, values);
    if (namesStackHost(value, options.stackHosts)) {
      const local = options.env[key];
      notes.push(
        local === undefined
          ? `${key}: stack value ${value} only resolves in compose; left unset here`
          : `${key}: stack value only resolves in compose; using the local environment's value`,
      );
      if (local === undefined) delete env[key];
      continue;
    }
    env[key] = value;
  }
  for (const secret of task.secrets) {
    const where =
      secret.source.kind === 'variable'
        ? `Airflow Variable ${secret.source.key}`
        : `Airflow Connection ${secret.source.connId}`;
    notes.push(
      options.env[secret.env] === undefined
        ? `secret ${secret.env} (${where} in the stack): not set locally`
        : `secret ${secret.env} (${where} in the stack): from the local environment`,
    );
  }
  return { env, notes };
}

/** How one task runs here, or why it cannot. */
export function planTask(task: IrTask, values: RunValues, options: PlanOptions): TaskPlan {
  const jinja = jinjaIn([...task.command, ...Object.values(task.environment)]);
  if (jinja !== null) {
    return { task, cannotRun: `it uses Airflow Jinja '${jinja}', which only Airflow renders` };
  }
  const args = task.command.map((arg) => renderArg(arg, values));
  const { env, notes } = taskEnvironment(task, values, options);
  const tsx = path.join(options.repoRoot, 'node_modules/.bin/tsx');

  if (task.kind === 'dbt' || task.image === options.dbtImage) {
    // The dbt image's entrypoint is dbt itself; a spec may also spell it out.
    const dbtArgs = task.entrypoint?.[0] === 'dbt' ? [...task.entrypoint.slice(1), ...args] : args;
    // Real dbt (python/dbt/requirements.lock) against the warehouse the environment names.
    // The stack's CLICKHOUSE_HOST/PORT name a compose service, so the local server is used.
    for (const key of ['CLICKHOUSE_HOST', 'CLICKHOUSE_PORT']) {
      if (env[key] !== undefined && options.env[key] === undefined) delete env[key];
    }
    // Each task writes dbt's target/ and logs/ in its own folder, so its results can be read.
    const workDir = path.join(options.repoRoot, '.data', 'dbt', task.taskId);
    let dbt: DbtProcess;
    try {
      dbt = dbtCommand(dbtArgs, env, { workDir });
    } catch (error) {
      if (!(error instanceof NoClickHouseServerError)) throw error;
      return { task, cannotRun: error.message };
    }
    return {
      task,
      command: {
        file: dbt.file,
        args: dbt.args,
        // Output is captured and summarised: no terminal colour codes in it.
        env: { ...dbt.env, DBT_USE_COLORS: 'false' },
        notes: [...notes, `dbt: real dbt (.venvs/dbt) against ${describeWarehouse(env)}`],
        pythonTool: 'dbt',
        resultsFile: path.join(workDir, 'target', 'run_results.json'),
      },
    };
  }

  if (task.image === options.extractorImage) {
    const entrypoint = task.entrypoint ?? ['extract'];
    const cli = EXTRACTOR_IMAGE_CLIS[entrypoint[0] ?? ''];
    if (cli === undefined) {
      return {
        task,
        cannotRun: `entrypoint '${entrypoint.join(' ')}' of ${task.image} is not one of our CLIs (${Object.keys(EXTRACTOR_IMAGE_CLIS).join(', ')})`,
      };
    }
    return {
      task,
      command: {
        file: tsx,
        args: [path.join(options.repoRoot, cli), ...entrypoint.slice(1), ...args],
        env,
        notes,
      },
    };
  }

  return {
    task,
    cannotRun: `image ${task.image} is not built from this repository, so its command only runs in a container (docker compose up)`,
  };
}

/** Tasks in an order where every task comes after its upstream tasks; spec order otherwise. */
export function dependencyOrder(dag: IrDag): IrTask[] {
  const byId = new Map(dag.tasks.map((task) => [task.taskId, task]));
  const done = new Set<string>();
  const ordered: IrTask[] = [];
  while (ordered.length < dag.tasks.length) {
    const next = dag.tasks.find(
      (task) =>
        !done.has(task.taskId) && task.upstream.every((id) => done.has(id) || !byId.has(id)),
    );
    if (!next) throw new Error(`DAG ${dag.dagId} has a dependency cycle`);
    done.add(next.taskId);
    ordered.push(next);
  }
  return ordered;
}

/** `interrupted`: it ended without success after the run was asked to stop (Ctrl-C). */
export type TaskState = 'success' | 'failed' | 'upstream_failed' | 'cannot_run' | 'interrupted';

export interface TaskResult {
  taskId: string;
  state: TaskState;
  seconds: number;
  /** Last line the task printed on stdout (our CLIs print a summary there). */
  summary: string;
  /** Why it failed or did not run. */
  reason: string | null;
  /** Combined output, kept for failures. */
  output: string;
  /** dbt's run_results.json, for a dbt task. */
  resultsFile?: string;
}

/** How `runDag` runs one DAG (the extractors' `SourceRunOptions` run one source). */
export interface DagRunOptions extends PlanOptions {
  values: RunValues;
  /**
   * Aborted when the caller is asked to stop (Ctrl-C). A terminal's Ctrl-C reaches the whole
   * process group, so the running task's processes die with it: a task that ends without success
   * after the abort is `interrupted`, not `failed`, and no further task starts. A task still
   * running is left to finish (a SIGINT sent to the caller alone stops it after the current step).
   */
  stopSignal?: AbortSignal;
  /** Called as each task starts and ends, for live progress. */
  onTaskStart?: (plan: TaskPlan) => void;
  onTaskEnd?: (result: TaskResult) => void;
  /** Receives each line of task output as it happens (the caller redacts and prints it). */
  onOutput?: (line: string) => void;
}

/**
 * Runs every task of the DAG in dependency order; a failed task skips what depends on it. Once
 * `stopSignal` is aborted no task starts; the results then list only the tasks that ran.
 */
export async function runDag(dag: IrDag, options: DagRunOptions): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  const failed = new Set<string>();
  for (const task of dependencyOrder(dag)) {
    if (options.stopSignal?.aborted) break;
    const plan = planTask(task, options.values, options);
    options.onTaskStart?.(plan);
    const blocked = task.upstream.filter((id) => failed.has(id));
    let result: TaskResult;
    if (blocked.length > 0) {
      result = {
        taskId: task.taskId,
        state: 'upstream_failed',
        seconds: 0,
        summary: '',
        reason: `upstream ${blocked.join(', ')} did not succeed`,
        output: '',
      };
    } else if ('cannotRun' in plan) {
      result = {
        taskId: task.taskId,
        state: 'cannot_run',
        seconds: 0,
        summary: '',
        reason: `cannot run locally: ${plan.cannotRun}`,
        output: '',
      };
    } else {
      if (plan.command.pythonTool) await ensurePythonTool(plan.command.pythonTool);
      result = await runCommand(task, plan.command, options);
    }
    if (result.state !== 'success') failed.add(task.taskId);
    results.push(result);
    options.onTaskEnd?.(result);
  }
  return results;
}

async function runCommand(
  task: IrTask,
  command: LocalCommand,
  options: DagRunOptions,
): Promise<TaskResult> {
  const started = performance.now();
  const child = execa(command.file, command.args, {
    cwd: options.repoRoot,
    env: command.env,
    extendEnv: false,
    reject: false,
    all: true,
    timeout:
      task.executionTimeoutSeconds === null ? undefined : task.executionTimeoutSeconds * 1000,
  });
  if (options.onOutput) {
    const onOutput = options.onOutput;
    child.all?.setEncoding('utf8');
    let pending = '';
    child.all?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onOutput(line);
    });
    child.all?.on('end', () => {
      if (pending) onOutput(pending);
    });
  }
  const outcome = await child;
  const seconds = (performance.now() - started) / 1000;
  const stdoutLines = String(outcome.stdout ?? '')
    .trim()
    .split('\n');
  const summary = stdoutLines[stdoutLines.length - 1] ?? '';
  const output = String(outcome.all ?? '');
  const resultsFile = command.resultsFile;
  if (outcome.exitCode === 0) {
    return {
      taskId: task.taskId,
      state: 'success',
      seconds,
      summary,
      reason: null,
      output,
      resultsFile,
    };
  }
  if (options.stopSignal?.aborted) {
    const how = outcome.signal ? `ended by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
    const reason = `interrupted (Ctrl-C; ${how})`;
    return { taskId: task.taskId, state: 'interrupted', seconds, summary, reason, output };
  }
  const reason = outcome.timedOut
    ? `timed out after ${task.executionTimeoutSeconds}s`
    : outcome.exitCode === undefined
      ? `could not start ${command.file}: ${outcome.shortMessage}`
      : `exit code ${outcome.exitCode}`;
  return { taskId: task.taskId, state: 'failed', seconds, summary, reason, output, resultsFile };
}
