/**
 * Generated DAG files on real Airflow, for tests that need Airflow's own view of them (Jinja
 * rendering of templated fields): test/airflow/inspect_dags.py loads a folder in a DagBag and
 * renders every task's image, command and environment with the DAG's Jinja environment and
 * macros, for the fake run RUN. The runtime module comes from airflow/plugins, as in our image.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AirflowFolder, RUN } from '../airflow/compare.js';
import { inspectDags } from '../airflow/inspect.js';

export { RUN };

/** Loads `files` (name → Python text) on `tool`'s Airflow; throws unless inspect_dags.py ran. */
export async function loadWithAirflow(
  tool: 'airflow-2' | 'airflow-3',
  files: Readonly<Record<string, string>>,
): Promise<AirflowFolder> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `codegen-${tool}-`));
  try {
    const dags = path.join(tmp, 'dags');
    mkdirSync(dags);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dags, name), text);
    const report = await inspectDags(tool, tmp, RUN, [dags]);
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
