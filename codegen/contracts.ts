/**
 * Extractor contracts, read statically with ts-morph: the compiler never imports extractor code or
 * its SDKs. Each `extractors/<source>/contract.ts` must hold
 * `export const contract = { ... } as const satisfies SourceContract`, and
 * `extractors/core/common-flags.ts` holds `export const commonFlags = { ... }` (flags every source
 * accepts). The value may spread and reference `const` declarations of other files (the ad
 * platforms' shared flags live in extractors/ad-platforms/contract-flags.ts); anything that needs
 * running code (a call, a `let`, a template with substitutions) is reported with its file,
 * position and property path instead of being guessed at.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Project, type SourceFile, ts } from 'ts-morph';
import type { FlagContract, SourceContract } from '../extractors/core/contract.js';
import { type Diagnostic, diagnostic } from './diagnostics.js';
import { isRecord } from './parse.js';
import { evaluateStatic, StaticValueError } from './static-value.js';

export interface LoadedContract {
  /** The contract.ts file, as a display path. */
  file: string;
  contract: SourceContract;
}

export interface ContractSet {
  /** By source name (the CLI sub-command). */
  sources: ReadonlyMap<string, LoadedContract>;
  /** Flags every source accepts (`run-id`, `log-level`). */
  commonFlags: Readonly<Record<string, FlagContract>>;
}

export interface ContractReadResult {
  contracts: ContractSet;
  diagnostics: Diagnostic[];
}

/**
 * Reads `<dir>/*\/contract.ts` and `<dir>/core/common-flags.ts`. `displayBase` makes the file
 * paths in diagnostics relative (the CLI passes the working directory).
 */
export function readContracts(dir: string, displayBase = process.cwd()): ContractReadResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, LoadedContract>();
  let commonFlags: Record<string, FlagContract> = {};
  // The type checker resolves references across files (imports, re-exports), so the
  // project resolves modules as tsconfig does; imported files are loaded on demand.
  const project = new Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
    compilerOptions: {
      allowJs: false,
      noLib: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
  });
  const display = (file: string) => path.relative(displayBase, file).split(path.sep).join('/');

  // All files are added before any is read: adding one after the checker ran rebuilds it.
  const commonPath = path.join(dir, 'core', 'common-flags.ts');
  const commonFile = existsSync(commonPath) ? project.addSourceFileAtPath(commonPath) : undefined;
  const folders = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== 'core')
        .map((entry) => entry.name)
        .sort()
    : [];
  const contractFiles = folders
    .map((folder) => path.join(dir, folder, 'contract.ts'))
    .filter((file) => existsSync(file))
    .map((file) => project.addSourceFileAtPath(file));

  if (commonFile) {
    const value = readExport(commonFile, 'commonFlags', display, diagnostics);
    if (isRecord(value)) commonFlags = value as Record<string, FlagContract>;
  }
  for (const sourceFile of contractFiles) {
    const shown = display(sourceFile.getFilePath());
    const value = readExport(sourceFile, 'contract', display, diagnostics);
    if (value === undefined) continue;
    const problem = shapeProblem(value);
    if (problem !== null) {
      diagnostics.push(
        diagnostic('E024', { file: shown, line: 1, col: 1 }, { problem: `contract ${problem}` }),
      );
      continue;
    }
    const contract = value as unknown as SourceContract;
    const existing = sources.get(contract.source);
    if (existing) {
      diagnostics.push(
        diagnostic(
          'E024',
          { file: shown, line: 1, col: 1 },
          { problem: `source '${contract.source}' is already declared by ${existing.file}` },
        ),
      );
      continue;
    }
    sources.set(contract.source, { file: shown, contract });
  }
  return { contracts: { sources, commonFlags }, diagnostics };
}

/**
 * The value of `export const <name> = ...`, evaluated statically (see static-value.ts). A part
 * that cannot be read is reported where it stands — possibly in a file the export imports — with
 * the property path, and the export and file being read when that is another file.
 */
function readExport(
  source: SourceFile,
  name: string,
  display: (file: string) => string,
  diagnostics: Diagnostic[],
): unknown {
  const file = display(source.getFilePath());
  const declaration = source.getVariableDeclaration(name);
  if (!declaration?.isExported()) {
    diagnostics.push(
      diagnostic(
        'E024',
        { file, line: 1, col: 1 },
        { problem: `no \`export const ${name} = { ... }\` found` },
      ),
    );
    return undefined;
  }
  const initializer = declaration.getInitializer();
  if (!initializer) {
    const { line, column } = source.getLineAndColumnAtPos(declaration.getStart());
    diagnostics.push(
      diagnostic(
        'E024',
        { file, line, col: column },
        { problem: `\`${name}\` has no initializer` },
      ),
    );
    return undefined;
  }
  try {
    return evaluateStatic(initializer);
  } catch (error) {
    if (!(error instanceof StaticValueError)) throw error;
    const at = error.node.getSourceFile();
    const { line, column } = at.getLineAndColumnAtPos(error.node.getStart());
    const of = at === source ? '' : ` of ${file}`;
    const where = error.propertyPath === '' ? '' : ` at ${error.propertyPath}`;
    diagnostics.push(
      diagnostic(
        'E024',
        { file: display(at.getFilePath()), line, col: column },
        {
          problem: `\`${name}\`${of} cannot be read statically by the DAG compiler${where}: ${error.message}`,
        },
      ),
    );
    return undefined;
  }
}

/** The minimum the compiler relies on; the TypeScript `satisfies` checks the rest. */
function shapeProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'is not an object';
  if (typeof value.source !== 'string' || value.source === '') return 'has no `source` string';
  if (!isRecord(value.flags)) return 'has no `flags` object';
  for (const [name, flag] of Object.entries(value.flags)) {
    if (!isRecord(flag) || typeof flag.type !== 'string') return `flag '${name}' has no \`type\``;
  }
  if (
    !Array.isArray(value.secrets) ||
    !value.secrets.every((secret) => isRecord(secret) && typeof secret.env === 'string')
  ) {
    return 'has no `secrets` list of { env, ... }';
  }
  if (
    !Array.isArray(value.tables) ||
    !value.tables.every((table) => isRecord(table) && typeof table.table === 'string')
  ) {
    return 'has no `tables` list of { table, ... }';
  }
  return null;
}

/** All flags a source accepts: its own and the common ones. */
export function flagsOf(
  contracts: ContractSet,
  contract: SourceContract,
): Readonly<Record<string, FlagContract>> {
  return { ...contracts.commonFlags, ...contract.flags };
}

/** A source whose window the run sets: it declares both `since` and `until`. */
export function isWindowed(contract: SourceContract): boolean {
  return 'since' in contract.flags && 'until' in contract.flags;
}
