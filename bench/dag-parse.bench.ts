/**
 * What our DAG files cost Airflow's DAG processor, against astronomer's dag-factory loading
 * equivalent YAML (issue goal: ours ≤ 0.5× dag-factory's time). On Airflow 3.x (`.venvs/airflow-3`,
 * which also holds dag-factory 1.1.0), one DagBag fill of each folder per fresh Python process,
 * median of 3:
 * - ours: the 500 benchmark specs compiled by gen-dags (bench-specs.ts);
 * - dag-factory, one loader: one .py calling `load_yaml_dags` over the 500 YAML files;
 * - dag-factory, a loader per DAG: 500 .py files, each loading its own YAML (how it is often
 *   deployed, so a changed YAML re-parses one file).
 * The YAML builds the same DAGs: same tasks, dependencies, DockerOperator image, command,
 * environment, pool, retries and schedule (cron, or the upstream DAG's asset).
 * `npm run bench -- dag-parse`. Prints figures; asserts nothing.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { type Arg, compileFolder, type IrDag, type TemplateRef } from '../codegen/index.js';
import { ensurePythonTool } from '../python/tools.js';
import { benchSpec, SPECS } from './bench-specs.js';
import { median } from './median.js';

const RUNS = 3;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dag-parse-bench-'));
const dir = (name: string) => {
  const folder = path.join(tmp, name);
  mkdirSync(folder, { recursive: true });
  return folder;
};

/** A run-time value as the Jinja a hand-written dag-factory YAML would use. */
function jinja(ref: TemplateRef): string {
  if (ref.template === 'run_id') return '{{ run_id }}';
  return ref.template === 'window_start'
    ? '{{ data_interval_start | ds }}'
    : '{{ data_interval_end | ds }}';
}
function argText(arg: Arg): string {
  if (typeof arg === 'string') return arg;
  if ('template' in arg) return jinja(arg);
  if ('jinja' in arg) return arg.jinja;
  return arg.concat.map((part) => (typeof part === 'string' ? part : jinja(part))).join('');
}

/** The dag-factory YAML for one of our DAGs. */
function dagFactoryYaml(dag: IrDag): string {
  const tasks: Record<string, unknown> = {};
  for (const task of dag.tasks) {
    tasks[task.taskId] = {
      operator: 'airflow.providers.docker.operators.docker.DockerOperator',
      image: task.image,
      ...(task.entrypoint ? { entrypoint: task.entrypoint } : {}),
      command: task.command.map(argText),
      environment: Object.fromEntries(
        Object.entries(task.environment).map(([key, value]) => [key, argText(value)]),
      ),
      docker_url: dag.docker.url,
      network_mode: dag.docker.network,
      mount_tmp_dir: false,
      auto_remove: 'success',
      pool: task.pool,
      pool_slots: task.poolSlots,
      ...(task.upstream.length > 0 ? { dependencies: [...task.upstream] } : {}),
    };
  }
  const schedule =
    dag.schedule.kind === 'cron'
      ? dag.schedule.cron
      : dag.schedule.kind === 'assets'
        ? // A list of asset URIs (what dag-factory 1.1 turns into Assets on Airflow 3).
          [...dag.schedule.uris]
        : null;
  return stringify({
    [dag.dagId]: {
      // Every benchmark task has the spec's defaults; dag-factory takes retry_delay_sec only here.
      default_args: {
        owner: 'bench',
        start_date: dag.startDate.slice(0, 10),
        retries: dag.tasks[0]?.retries ?? 0,
        retry_delay_sec: dag.tasks[0]?.retryDelaySeconds ?? 0,
      },
      description: dag.description ?? '',
      schedule,
      catchup: dag.catchup,
      tags: [...dag.tags],
      tasks,
    },
  });
}

try {
  const specsDir = dir('specs');
  writeFileSync(
    path.join(specsDir, '_project.yaml'),
    readFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), 'utf8'),
  );
  for (let index = 0; index < SPECS; index += 1) {
    writeFileSync(
      path.join(specsDir, `bench_${String(index).padStart(3, '0')}.yaml`),
      benchSpec(index),
    );
  }
  const { ir, files } = compileFolder({
    specsDir,
    contractsDir: path.join(repoRoot, 'extractors'),
    displayBase: tmp,
  });
  if (!ir) throw new Error('the benchmark specs did not compile');

  const ours = dir('ours');
  for (const file of files) writeFileSync(path.join(ours, file.name), file.text);

  const yamlDir = dir('dag-factory-yaml');
  const oneLoader = dir('dag-factory-one-loader');
  const perDag = dir('dag-factory-per-dag');
  for (const dag of ir.dags) {
    const yamlFile = path.join(yamlDir, `${dag.dagId}.yaml`);
    writeFileSync(yamlFile, dagFactoryYaml(dag));
    writeFileSync(
      path.join(perDag, `${dag.dagId}.py`),
      `# airflow dag\nfrom dagfactory import load_yaml_dags\n\nload_yaml_dags(globals_dict=globals(), config_filepath=${JSON.stringify(yamlFile)})\n`,
    );
  }
  writeFileSync(
    path.join(oneLoader, 'load_all.py'),
    `# airflow dag\nfrom dagfactory import load_yaml_dags\n\nload_yaml_dags(globals_dict=globals(), dags_folder=${JSON.stringify(yamlDir)})\n`,
  );

  const airflow = await ensurePythonTool('airflow-3');
  const home = dir('airflow-home');
  const measure = async (label: string, folder: string) => {
    const seconds: number[] = [];
    let dags = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const result = await execa(
        airflow.python,
        [path.join(repoRoot, 'bench/dag_parse.py'), folder],
        {
          env: {
            AIRFLOW_HOME: home,
            AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
            AIRFLOW__CORE__PLUGINS_FOLDER: path.join(repoRoot, 'airflow/plugins'),
            AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT: '600',
            AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY: 'False',
            DO_NOT_TRACK: '1',
            SCARF_NO_ANALYTICS: 'true',
          },
        },
      );
      const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        seconds: number;
        dags: number;
        errors: Record<string, string>;
      };
      const errors = Object.entries(line.errors);
      if (errors.length > 0)
        throw new Error(`${label}: import errors, e.g. ${errors[0]?.join(': ')}`);
      // dag-factory logs a DAG it cannot build and goes on: a short count is a broken benchmark.
      if (line.dags !== SPECS) {
        const why = result.stderr
          .split('\n')
          .filter((l) => /error|failed|exception/i.test(l))
          .slice(0, 5);
        throw new Error(`${label}: ${line.dags} of ${SPECS} DAGs loaded\n${why.join('\n')}`);
      }
      seconds.push(line.seconds);
      dags = line.dags;
    }
    console.log(
      `  ${label}: ${dags} DAGs, DagBag fill ${median(seconds).toFixed(2)} s (median of ${RUNS}: ${seconds.map((s) => s.toFixed(2)).join(', ')})`,
    );
    return median(seconds);
  };

  const tasks = ir.dags.reduce((sum, dag) => sum + dag.tasks.length, 0);
  console.log(`dag-parse: ${ir.dags.length} DAGs, ${tasks} tasks, Airflow 3.x DagBag`);
  const oursSeconds = await measure('ours (static files)', ours);
  const oneSeconds = await measure('dag-factory, one loader', oneLoader);
  const perDagSeconds = await measure('dag-factory, a loader per DAG', perDag);
  const best = Math.min(oneSeconds, perDagSeconds);
  console.log(
    `RESULT ours ${oursSeconds.toFixed(2)} s vs dag-factory ${oneSeconds.toFixed(2)} s (one loader) / ${perDagSeconds.toFixed(2)} s (per DAG): ratio ${(oursSeconds / best).toFixed(2)} of dag-factory's faster variant (goal ≤ 0.5: ${oursSeconds / best <= 0.5 ? 'met' : 'NOT met'})`,
  );
} finally {
  // BENCH_KEEP=1 keeps the folders for a look at what was parsed.
  if (process.env.BENCH_KEEP) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
