/**
 * The compiler's API for other parts of the project (the local runner, the stack's bootstrap
 * test). Reading from disk lives here; `compile` itself is pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type CompileResult, compile, PROJECT_FILE, type SourceText } from './compile.js';
import { readContracts } from './contracts.js';
import type { Diagnostic } from './diagnostics.js';
import type { IrProject } from './ir.js';

export {
  type CompileInput,
  type CompileResult,
  compile,
  type GeneratedFile,
  type SourceText,
  schemaFiles,
} from './compile.js';
export { type ContractSet, readContracts } from './contracts.js';
export { type Diagnostic, formatDiagnostic, hasErrors } from './diagnostics.js';
export type * from './ir.js';
export { type RunValues, renderArg, windowFor } from './window.js';

export interface LoadOptions {
  specsDir: string;
  contractsDir: string;
  /** Base for display paths in diagnostics; default the working directory. */
  displayBase?: string;
  /**
   * Where paths the specs name (`--accounts-file`) are read from: the extractor image's working
   * directory holds the same files as the project root. Default the working directory.
   */
  root?: string;
}

/** Spec files of a folder: `*.yaml` / `*.yml`, except `_`-prefixed ones such as _project.yaml. */
export function listSpecFiles(specsDir: string): string[] {
  if (!existsSync(specsDir)) return [];
  return readdirSync(specsDir)
    .filter((name) => /\.ya?ml$/.test(name) && !name.startsWith('_'))
    .sort()
    .map((name) => path.join(specsDir, name));
}

export function compileFolder(options: LoadOptions): CompileResult {
  const base = options.displayBase ?? process.cwd();
  const display = (file: string) => path.relative(base, file).split(path.sep).join('/');
  const read = (file: string): SourceText => {
    const bytes = readFileSync(file);
    return { path: display(file), text: bytes.toString('utf8'), bytes };
  };
  const root = options.root ?? base;
  const readNamed = (file: string): Uint8Array | null => {
    const target = path.resolve(root, file);
    return existsSync(target) && statSync(target).isFile() ? readFileSync(target) : null;
  };
  const projectPath = path.join(options.specsDir, PROJECT_FILE);
  const { contracts, diagnostics: contractDiagnostics } = readContracts(options.contractsDir, base);
  return compile({
    specs: listSpecFiles(options.specsDir).map(read),
    project: existsSync(projectPath) ? read(projectPath) : null,
    contracts,
    contractDiagnostics,
    readFile: readNamed,
  });
}

/**
 * Everything the generated DAGs would run, for the local runner: tasks, images, commands,
 * environment, secrets (by name) and run-time values kept structured (see ir.ts).
 * `ir` is null when there are errors; `diagnostics` says what and where.
 */
export function loadProject(options: LoadOptions): {
  ir: IrProject | null;
  diagnostics: Diagnostic[];
} {
  const { ir, diagnostics } = compileFolder(options);
  return { ir, diagnostics };
}

export interface ExternalResources {
  /** Pools declared in _project.yaml (validation makes every pool a task uses declared). */
  pools: { name: string; slots: number; description: string }[];
  /** Airflow Variable keys the DAGs read at run time. */
  variables: string[];
  /** Airflow Connection ids the DAGs read at run time (secrets and failure webhooks). */
  connections: string[];
}

/** The pools, Variables and Connections a loaded project needs to exist in Airflow. */
export function listExternalResources(ir: IrProject): ExternalResources {
  const variables = new Set<string>();
  const connections = new Set<string>();
  for (const dag of ir.dags) {
    if (dag.failureWebhookConnection !== null) connections.add(dag.failureWebhookConnection);
    for (const task of dag.tasks) {
      for (const { source } of task.secrets) {
        if (source.kind === 'variable') variables.add(source.key);
        else connections.add(source.connId);
      }
    }
  }
  return {
    pools: ir.pools.map((pool) => ({ ...pool })),
    variables: [...variables].sort(),
    connections: [...connections].sort(),
  };
}
