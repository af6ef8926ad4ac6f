/**
 * Runs test/airflow/inspect_dags.py on a real Airflow (the `airflow-2` or `airflow-3` venv): it
 * loads each folder in a DagBag and reports Airflow's view of every DAG (see compare.ts).
 * Shared by the DAG-compatibility suite and the codegen tests that need Airflow's rendering.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ensurePythonTool } from '../../python/tools.js';
import type { AirflowReport, RUN } from './compare.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What every test's Airflow process gets: no examples, our runtime module on the path. */
export function airflowTestEnv(home: string): Record<string, string> {
  return {
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: path.join(home, 'dags'),
    // The runtime module the generated files import, where our image puts it (Airflow adds the
    // plugins folder to sys.path).
    AIRFLOW__CORE__PLUGINS_FOLDER: path.join(repoRoot, 'airflow/plugins'),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
    // Airflow 2.11 warns at import that its default (seconds) changes in 3; 3's default.
    AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY: 'True',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

/** Loads `folders` on `tool`'s Airflow for the fake run `run`; throws unless the script ran. */
export async function inspectDags(
  tool: 'airflow-2' | 'airflow-3',
  tmp: string,
  run: typeof RUN,
  folders: readonly string[],
): Promise<AirflowReport> {
  const airflow = await ensurePythonTool(tool);
  const home = path.join(tmp, 'home');
  mkdirSync(path.join(home, 'dags'), { recursive: true });
  const out = path.join(tmp, 'report.json');
  const result = await execa(
    airflow.python,
    [path.join(repoRoot, 'test/airflow/inspect_dags.py'), out, JSON.stringify(run), ...folders],
    { reject: false, cwd: tmp, env: airflowTestEnv(home) },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `inspect_dags.py on ${tool} failed (exit ${result.exitCode}):\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`,
    );
  }
  return JSON.parse(readFileSync(out, 'utf8')) as AirflowReport;
}
