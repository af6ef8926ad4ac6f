/**
 * A real Airflow 3.3.2 (`.venvs/airflow-3`, the version of the stack's image) for the bootstrap
 * tests: a temp AIRFLOW_HOME with a SQLite metadata database made by `airflow db migrate`, the
 * repository's DAG folder and plugins, configured as docker-compose.yml configures airflow-init
 * where it matters here (DAGs not paused at creation, a Fernet key, no examples).
 *
 * The virtualenv is installed from its lock when missing (ensurePythonTool); a machine that cannot
 * install it fails the test file, nothing is skipped.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ensurePythonTool } from '../../python/tools.js';
import { repoRoot } from '../support/repo-root.js';
import { airflowTestEnv } from './inspect.js';

export interface RealAirflow {
  /** The temp folder holding AIRFLOW_HOME, TMPDIR and the test's files. */
  dir: string;
  /** The private TMPDIR bootstrap.py writes its import files to. */
  tmp: string;
  /** The virtualenv's python (the image runs bootstrap.py with the python that has Airflow). */
  python: string;
  /** The SQLite metadata database. */
  database: string;
  /** The Airflow configuration and PATH (venv first) of every command; no secret in it. */
  env: Record<string, string>;
  /** Seconds `airflow db migrate` took. */
  migrateSeconds: number;
  /** Runs the real `airflow` CLI; throws with its output when it fails. */
  cli(args: string[], env?: Record<string, string>): Promise<string>;
  /** `airflow dags list`: dag_id → is_paused. */
  pausedState(): Promise<Record<string, boolean>>;
  close(): void;
}

/** The last line of a CLI's stdout that is JSON (Airflow may log before it). */
export function lastJson(stdout: string): unknown {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => /^\s*[[{]/.test(l));
  if (line === undefined) throw new Error(`no JSON in the CLI output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line);
}

export async function startRealAirflow(): Promise<RealAirflow> {
  const airflow = await ensurePythonTool('airflow-3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-bootstrap-'));
  const home = path.join(dir, 'home');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(home);
  fs.mkdirSync(tmp);
  const database = path.join(home, 'airflow.db');
  const env: Record<string, string> = {
    ...airflowTestEnv(home),
    // The repository's DAG folder, read only (as compose mounts it): `dags reserialize` parses it.
    AIRFLOW__CORE__DAGS_FOLDER: path.join(repoRoot, 'airflow/dags'),
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
    // Variables and Connections are stored encrypted, as in the stack.
    AIRFLOW__CORE__FERNET_KEY: randomBytes(32).toString('base64url').concat('='),
    // SQLite rather than the stack's PostgreSQL (airflow-db): what bootstrap.py does goes through
    // the CLI, which does the same on both.
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${database}`,
    PATH: `${path.dirname(airflow.bin('airflow'))}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    TMPDIR: tmp,
  };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    execa(airflow.bin('airflow'), args, {
      env: { ...env, ...extra },
      extendEnv: false,
      reject: false,
      cwd: dir,
    });
  const started = performance.now();
  const migrate = await run(['db', 'migrate']);
  if (migrate.exitCode !== 0) {
    throw new Error(
      `airflow db migrate failed:\n${`${migrate.stdout}\n${migrate.stderr}`.slice(-4000)}`,
    );
  }
  const migrateSeconds = Math.round(performance.now() - started) / 1000;
  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await run(args, extra);
    if (result.exitCode !== 0) {
      throw new Error(
        `airflow ${args.slice(0, 2).join(' ')} failed (${result.exitCode}): ${result.stderr.slice(-2000)}`,
      );
    }
    return result.stdout;
  };
  return {
    dir,
    tmp,
    python: airflow.python,
    database,
    env,
    migrateSeconds,
    cli,
    async pausedState() {
      const rows = lastJson(
        await cli(['dags', 'list', '-o', 'json', '--columns', 'dag_id,is_paused']),
      ) as { dag_id: string; is_paused: string | boolean }[];
      return Object.fromEntries(
        rows.map((r) => [r.dag_id, String(r.is_paused).toLowerCase() === 'true']),
      );
    },
    close() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
