/**
 * Generated DAG files on real Airflow, for tests that need Airflow's own view of them (Jinja
 * rendering of templated fields): test/airflow/inspect_dags.py loads a folder in a DagBag and
 * renders every task's image, command and environment with the DAG's Jinja environment and
 * macros, for the fake run RUN. The runtime module comes from airflow/plugins, as in our image.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ensurePythonTool } from '../../python/tools.js';
import { type AirflowFolder, type AirflowReport, RUN } from '../airflow/compare.js';
import { repoRoot } from './helpers.js';

export { RUN };

/** Loads `files` (name → Python text) on `tool`'s Airflow; throws unless inspect_dags.py ran. */
export async function loadWithAirflow(
  tool: 'airflow-2' | 'airflow-3',
  files: Readonly<Record<string, string>>,
): Promise<AirflowFolder> {
  const airflow = await ensurePythonTool(tool);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `codegen-${tool}-`));
  try {
    const home = path.join(tmp, 'home');
    const dags = path.join(tmp, 'dags');
    mkdirSync(path.join(home, 'dags'), { recursive: true });
    mkdirSync(dags);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dags, name), text);
    const out = path.join(tmp, 'report.json');
    const result = await execa(
      airflow.python,
      [path.join(repoRoot, 'test/airflow/inspect_dags.py'), out, JSON.stringify(RUN), dags],
      {
        reject: false,
        cwd: tmp,
        env: {
          AIRFLOW_HOME: home,
          AIRFLOW__CORE__DAGS_FOLDER: path.join(home, 'dags'),
          AIRFLOW__CORE__PLUGINS_FOLDER: path.join(repoRoot, 'airflow/plugins'),
          AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
          AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
          AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY: 'True',
          PYTHONDONTWRITEBYTECODE: '1',
        },
      },
    );
    if (result.exitCode !== 0) {
      throw new Error(
        `inspect_dags.py on ${tool} failed (exit ${result.exitCode}):\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`,
      );
    }
    const report = JSON.parse(readFileSync(out, 'utf8')) as AirflowReport;
    const folder = report.folders[0];
    if (folder === undefined) throw new Error('inspect_dags.py reported no folder');
    return folder;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** What Airflow rendered for one task: image, command (a list) and environment. */
export function renderedTask(
  folder: AirflowFolder,
  dagId: string,
  taskId: string,
): { image: string; command: string[]; environment: Record<string, string> } {
  const dag = folder.dags[dagId];
  if (dag === undefined) {
    throw new Error(`${dagId} not loaded: ${JSON.stringify(folder.import_errors).slice(0, 2000)}`);
  }
  const task = dag.tasks.find((candidate) => candidate.task_id === taskId);
  if (task === undefined) throw new Error(`${dagId} has no task ${taskId}`);
  if ('error' in task.rendered) throw new Error(`${dagId}.${taskId}: ${task.rendered.error}`);
  const { image, command, environment } = task.rendered;
  return {
    image,
    command: Array.isArray(command) ? command : command === null ? [] : [command],
    environment,
  };
}
