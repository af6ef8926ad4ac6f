/**
 * Real dbt in tests: `dbt <command>` run on the project, with the results read from dbt's own
 * `run_results.json` and `manifest.json`. The warehouse it runs against is in warehouse.ts.
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { DBT_PROJECT_DIR, dbtProcess } from '../../local/dbt.js';

export interface DbtNodeResult {
  uniqueId: string;
  /** Model, test or source name (the part after the last dot of the unique id). */
  name: string;
  resourceType: string;
  /** success, error, skipped, pass, fail, warn, runtime error… */
  status: string;
  failures: number | null;
  message: string | null;
  /** Seconds dbt spent on the node. */
  executionTime: number;
}

export interface DbtResult {
  exitCode: number;
  /** stdout and stderr of the dbt process. */
  output: string;
  /** One entry per node dbt ran, from target/run_results.json (empty if dbt never got there). */
  nodes: DbtNodeResult[];
  /** The data tests among `nodes`. */
  tests: DbtNodeResult[];
  /** The target folder of this run (manifest.json, run_results.json, compiled SQL). */
  targetPath: string;
}

/** Runs dbt with exactly `env` (plus PATH and HOME) and reads what it wrote. */
export async function runDbt(
  args: readonly string[],
  env: Record<string, string>,
  workDir: string,
): Promise<DbtResult> {
  const dbt = await dbtProcess(
    args,
    { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    { workDir },
  );
  const targetPath = path.join(workDir, 'target');
  // A run that stops early must not be read with the previous run's results.
  for (const file of RESULT_FILES) await rm(path.join(targetPath, file), { force: true });
  const result = await execa(dbt.file, dbt.args, {
    env: dbt.env,
    extendEnv: false,
    cwd: DBT_PROJECT_DIR,
    reject: false,
    all: true,
  });
  const nodes = await readRunResults(targetPath);
  return {
    exitCode: result.exitCode ?? -1,
    output: String(result.all ?? ''),
    nodes,
    tests: nodes.filter((node) => node.resourceType === 'test'),
    targetPath,
  };
}

interface RunResultsFile {
  results: {
    unique_id: string;
    status: string;
    failures?: number | null;
    message?: string | null;
    execution_time: number;
  }[];
}

/** Where dbt writes its results: run_results.json, or sources.json for `source freshness`. */
const RESULT_FILES = ['run_results.json', 'sources.json'] as const;

async function readRunResults(targetPath: string): Promise<DbtNodeResult[]> {
  let parsed: RunResultsFile | undefined;
  for (const file of RESULT_FILES) {
    try {
      parsed = JSON.parse(await readFile(path.join(targetPath, file), 'utf8'));
      break;
    } catch {
      // not written by this command
    }
  }
  if (!parsed) return [];
  return parsed.results.map((result) => ({
    uniqueId: result.unique_id,
    name: result.unique_id.split('.').at(-1) ?? result.unique_id,
    resourceType: result.unique_id.split('.')[0] ?? '',
    status: result.status,
    failures: result.failures ?? null,
    message: result.message ?? null,
    executionTime: result.execution_time,
  }));
}

/** Asserts nothing failed, with dbt's own output in the message when something did. */
export function failedNodes(result: DbtResult): string[] {
  return result.nodes
    .filter((node) => !['success', 'pass'].includes(node.status))
    .map((node) => `${node.uniqueId}: ${node.status}${node.message ? ` (${node.message})` : ''}`);
}

/** dbt's manifest, for checks of the project's structure as dbt itself reads it. */
export interface DbtManifest {
  nodes: Record<string, ManifestNode>;
  sources: Record<string, ManifestSource>;
  disabled?: Record<string, ManifestNode[]>;
}

export interface ManifestNode {
  unique_id: string;
  name: string;
  resource_type: string;
  original_file_path: string;
  schema: string;
  config: Record<string, unknown> & { materialized?: string; enabled?: boolean };
  depends_on: { nodes: string[]; macros: string[] };
  columns: Record<string, { name: string; description: string }>;
  description: string;
  raw_code?: string;
  test_metadata?: { name: string; kwargs: Record<string, unknown> };
  attached_node?: string | null;
}

export interface ManifestSource {
  unique_id: string;
  name: string;
  source_name: string;
  schema: string;
  identifier: string;
  original_file_path: string;
  loaded_at_field: string | null;
  freshness: { warn_after?: { count: number | null }; error_after?: { count: number | null } };
  config: Record<string, unknown>;
}

export async function readManifest(result: DbtResult): Promise<DbtManifest> {
  return JSON.parse(await readFile(path.join(result.targetPath, 'manifest.json'), 'utf8'));
}
