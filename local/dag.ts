/**
 * `npm run dag -- test <dag_id> [--date YYYY-MM-DD] [--specs DIR] [--verbose]`
 * `npm run dag -- list [--specs DIR]`
 *
 * Like `airflow dags test`: one DAG's tasks, in dependency order, as local processes (see
 * runner.ts for what differs from the container). Exit 0 when every task succeeded, 1 when one
 * did not, 2 on a usage or spec error.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { localStackEnv } from '../extractors/core/local-stack.js';
import { redact } from '../extractors/core/redact.js';
import { type LocalProject, loadLocalProject } from './project.js';
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
}

export interface DagTestOutcome {
  ok: boolean;
  results: TaskResult[];
}

const USAGE = `usage:
  npm run dag -- test <dag_id> [--date YYYY-MM-DD] [--specs DIR] [--verbose]
  npm run dag -- list [--specs DIR]`;

export class UsageError extends Error {}

function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)}s` : `${seconds.toFixed(1)}s`;
}

const STATE_MARK: Record<TaskResult['state'], string> = {
  success: 'ok  ',
  failed: 'FAIL',
  upstream_failed: 'SKIP',
  cannot_run: 'N/A ',
};

/** Runs one DAG locally and prints each task's outcome and timing. */
export async function dagTest(options: DagTestOptions): Promise<DagTestOutcome> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const given = options.env ?? process.env;
  // Where the environment names no PostgreSQL / ClickHouse, tasks get the running local stack's
  // (npm run local -- up), as the extractor and generator CLIs would find it themselves; dbt
  // tasks need CLICKHOUSE_URL/USER/PASSWORD in their environment.
  const found = localStackEnv(given);
  const env = { ...given, ...found };
  const project: LocalProject = await loadLocalProject(options.specsDir);
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
  const ok = results.every((r) => r.state === 'success');
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const counts = Object.entries(
    results.reduce<Record<string, number>>((acc, r) => {
      acc[r.state] = (acc[r.state] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  write(`dag ${dag.dagId}: ${ok ? 'success' : 'failed'} (${counts}) in ${formatSeconds(total)}\n`);
  return { ok, results };
}

export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
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
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'list') {
    const project = await loadLocalProject(values.specs);
    for (const dag of project.dags) process.stdout.write(`${dag.dagId}\n`);
    return 0;
  }
  if (command !== 'test' || dagId === undefined || positionals.length > 2) {
    throw new UsageError(USAGE);
  }
  if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) {
    throw new UsageError(`--date must be YYYY-MM-DD, got '${values.date}'`);
  }
  const outcome = await dagTest({
    dagId,
    date: values.date,
    specsDir: values.specs,
    verbose: values.verbose,
  });
  return outcome.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // 0: every task succeeded; 1: a task did not; 2: usage or spec error.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`dag: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
