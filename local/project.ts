/**
 * The DAG project as the local runner sees it: the specs compiled by the codegen loader (the same
 * IR the generated Airflow files come from), the run values for a date, and what this machine
 * offers instead of the compose stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  formatDiagnostic,
  type IrDag,
  loadProject,
  type RunValues,
  windowFor,
} from '../codegen/index.js';
import { instantOnDay } from '../extractors/core/dates.js';
import type { PlanOptions } from './runner.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalRun {
  values: RunValues;
  /** How the window was chosen, for the log. */
  describe: string;
}

export interface LocalProject {
  specsDir: string;
  dags: readonly IrDag[];
  runFor(dag: IrDag, date: string | undefined, now?: Date): LocalRun;
  planOptions(env: NodeJS.ProcessEnv): PlanOptions;
}

export class SpecError extends Error {}

/**
 * The run values for `dag test`. With `--date D`: a run whose logical date is D, as
 * `airflow dags test <dag> D` makes (Airflow 3 cron runs have data_interval_start ==
 * data_interval_end), so the window is the day D. Without it: a run with no data interval, like
 * a manual or asset-triggered Airflow 3 run, whose window is yesterday and today.
 */
export function runValuesFor(dag: IrDag, date: string | undefined, now: Date): LocalRun {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const logical = date === undefined ? null : instantOnDay(date, dag.timezone);
  const window = windowFor({
    dataIntervalStart: logical,
    dataIntervalEnd: logical,
    runAfter: now,
    timezone: dag.timezone,
  });
  const values = { windowStart: window.since, windowEnd: window.until };
  if (date === undefined) {
    return {
      values: { ...values, runId: `local__${stamp}` },
      describe: 'no logical date (like a manual or asset-triggered run)',
    };
  }
  return {
    values: { ...values, runId: `local__${date}__${stamp}` },
    describe: `logical date ${date}`,
  };
}

/** Compose service names: hosts that only resolve inside the stack's network. */
function composeServices(): Set<string> {
  const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<string, unknown>;
  };
  return new Set(Object.keys(compose.services));
}

export async function loadLocalProject(
  specsDir = path.join(repoRoot, 'dag-specs'),
): Promise<LocalProject> {
  const resolved = path.resolve(specsDir);
  const { ir, diagnostics } = loadProject({
    specsDir: resolved,
    contractsDir: path.join(repoRoot, 'extractors'),
    displayBase: repoRoot,
  });
  if (ir === null) {
    throw new SpecError(
      `the specs in ${resolved} do not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
  }
  const stackHosts = composeServices();
  return {
    specsDir: resolved,
    dags: ir.dags,
    runFor: (dag, date, now = new Date()) => runValuesFor(dag, date, now),
    planOptions: (env) => ({
      repoRoot,
      env,
      stackHosts,
      // From _project.yaml as the compiler read and checked it.
      extractorImage: ir.images.extractor,
      dbtImage: ir.images.dbt,
    }),
  };
}
