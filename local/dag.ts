/**
 * `npm run dag -- test <dag_id> [--date YYYY-MM-DD] [--specs DIR] [--verbose]`
 * `npm run dag -- list [--specs DIR]`
 *
 * Like `airflow dags test`: one DAG's tasks, in dependency order, as local processes (see
 * runner.ts for what differs from the container). Exit 0 when every task succeeded, 1 when one
 * did not, 2 on a usage or spec error (cli/run.ts), 130 when Ctrl-C stopped it.
 */
import { parseCommandLine, parseDateFlag, wantsHelp } from '../cli/args.js';
import {
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_OK,
  isMainModule,
  runMain,
  UsageError,
} from '../cli/run.js';
import { localStackEnv } from '../extractors/core/local-stack.js';
import { redact } from '../extractors/core/redact.js';
import { type LocalProject, loadLocalProject, SpecError } from './project.js';
import { runDag, type TaskPlan, type TaskResult } from './runner.js';
import { describeFailure, registerTaskSecrets } from './task-failure.js';

export interface DagTestOptions {
  dagId: string;
  /** The run's logical date, YYYY-MM-DD; defaults to today (UTC). */
  date?: string;
  specsDir?: string;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  write?: (text: string) => void;
  /** Aborted on Ctrl-C: no further task starts, and the one that dies with it is `interrupted`. */
  stopSignal?: AbortSignal;
}

export interface DagTestOutcome {
  ok: boolean;
  /** Stopped on request (Ctrl-C) before every task ran. */
  interrupted: boolean;
  results: TaskResult[];
}

const USAGE = `usage:
  npm run dag -- test <dag_id> [--date YYYY-MM-DD] [--specs DIR] [--verbose]
  npm run dag -- list [--specs DIR]`;

function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)}s` : `${seconds.toFixed(1)}s`;
}

const STATE_MARK: Record<TaskResult['state'], string> = {
  success: 'ok  ',
  failed: 'FAIL',
  upstream_failed: 'SKIP',
  cannot_run: 'N/A ',
  interrupted: 'INT ',
};

/** The local project; specs that do not compile are a usage error (exit 2), as in gen-dags. */
async function loadProjectForCli(specsDir: string | undefined): Promise<LocalProject> {
  try {
    return await loadLocalProject(specsDir);
  } catch (error) {
    if (error instanceof SpecError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** Runs one DAG locally and prints each task's outcome and timing. */
export async function dagTest(options: DagTestOptions): Promise<DagTestOutcome> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const given = options.env ?? process.env;
  // Where the environment names no PostgreSQL / ClickHouse, tasks get the running local stack's
  // (npm run local -- up), as the extractor and generator CLIs would find it themselves; dbt
  // tasks need CLICKHOUSE_URL/USER/PASSWORD in their environment.
  const found = localStackEnv(given);
  const env = { ...given, ...found };
  const project = await loadProjectForCli(options.specsDir);
  const dag = project.dags.find((d) => d.dagId === options.dagId);
  if (!dag) {
    throw new UsageError(
      `unknown DAG '${options.dagId}'; specs in ${project.specsDir} define: ${project.dags.map((d) => d.dagId).join(', ')}`,
    );
  }
  const run = project.runFor(dag, options.date);
  write(
    `dag ${dag.dagId}: run ${run.values.runId}, ${run.describe}, window [${run.values.windowStart}, ${run.values.windowEnd})\n`,
  );
  if (Object.keys(found).length > 0) {
    write(`  using the running local stack for ${Object.keys(found).join(', ')}\n`);
  }
  const results = await runDag(dag, {
    ...project.planOptions(env),
    values: run.values,
    stopSignal: options.stopSignal,
    onOutput: options.verbose ? (line) => write(`      ${redact(line, 1_000)}\n`) : undefined,
    onTaskStart: (plan: TaskPlan) => {
      if (!('command' in plan)) return;
      registerTaskSecrets(
        plan.command.env,
        plan.task.secrets.map((secret) => secret.env),
      );
      write(`  ▶ ${plan.task.taskId}\n`);
      for (const note of plan.command.notes) write(`      ${redact(note)}\n`);
    },
    onTaskEnd: (result) => {
      const detail = redact(result.reason ?? result.summary);
      write(
        `  ${STATE_MARK[result.state]} ${result.taskId}  ${formatSeconds(result.seconds)}  ${detail}\n`,
      );
      if (result.state === 'failed') {
        for (const line of describeFailure(result)) write(`      | ${line}\n`);
      }
    },
  });
  const interrupted = options.stopSignal?.aborted === true;
  const ok = !interrupted && results.every((r) => r.state === 'success');
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const counts = Object.entries(
    results.reduce<Record<string, number>>((acc, r) => {
      acc[r.state] = (acc[r.state] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  const verdict = ok ? 'success' : interrupted ? 'interrupted' : 'failed';
  write(`dag ${dag.dagId}: ${verdict} (${counts || 'no task ran'}) in ${formatSeconds(total)}\n`);
  return { ok, interrupted, results };
}

export async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { positionals, values } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      date: { type: 'string' },
      specs: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, dagId] = positionals;
  if (command === 'list') {
    const project = await loadProjectForCli(values.specs);
    for (const dag of project.dags) process.stdout.write(`${dag.dagId}\n`);
    return 0;
  }
  if (command === undefined) throw new UsageError(`a command is required\n\n${USAGE}`);
  if (command !== 'test') throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
  if (dagId === undefined) throw new UsageError(`test needs a <dag_id>\n\n${USAGE}`);
  if (positionals.length > 2) {
    throw new UsageError(`unexpected argument '${positionals[2]}'\n\n${USAGE}`);
  }
  const date = values.date === undefined ? undefined : parseDateFlag('--date', values.date);
  // Ctrl-C: the running task dies with the terminal's process group; start no further task.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    const outcome = await dagTest({
      dagId,
      date,
      specsDir: values.specs,
      verbose: values.verbose,
      stopSignal: stop.signal,
    });
    if (outcome.interrupted) return EXIT_INTERRUPTED;
    return outcome.ok ? EXIT_OK : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

if (isMainModule(import.meta.url)) runMain('dag', main);
