/**
 * Extractor contracts, read statically with ts-morph: the compiler never imports extractor code or
 * its SDKs. Each `extractors/<source>/contract.ts` must hold
 * `export const contract = { ... } as const satisfies SourceContract` with a plain literal, and
 * `extractors/core/common-flags.ts` holds `export const commonFlags = { ... }` (flags every source
 * accepts). Anything that is not a plain literal (a call, spread, reference, template with
 * substitutions) is reported with its position instead of being guessed at.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Node, Project, type SourceFile, SyntaxKind } from 'ts-morph';
import type { FlagContract, SourceContract } from '../extractors/core/contract.js';
import type { Diagnostic } from './diagnostics.js';
import { isRecord } from './parse.js';

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

class NotLiteral extends Error {
  constructor(
    readonly node: Node,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads `<dir>/*\/contract.ts` and `<dir>/core/common-flags.ts`. `displayBase` makes the file
 * paths in diagnostics relative (the CLI passes the working directory).
 */
export function readContracts(dir: string, displayBase = process.cwd()): ContractReadResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, LoadedContract>();
  let commonFlags: Record<string, FlagContract> = {};
  const project = new Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: false, noLib: true },
  });
  const display = (file: string) => path.relative(displayBase, file).split(path.sep).join('/');

  const commonFile = path.join(dir, 'core', 'common-flags.ts');
  if (existsSync(commonFile)) {
    const value = readExport(
      project.addSourceFileAtPath(commonFile),
      'commonFlags',
      display(commonFile),
      diagnostics,
    );
    if (isRecord(value)) commonFlags = value as Record<string, FlagContract>;
  }

  const folders = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== 'core')
        .map((entry) => entry.name)
        .sort()
    : [];
  for (const folder of folders) {
    const file = path.join(dir, folder, 'contract.ts');
    if (!existsSync(file)) continue;
    const shown = display(file);
    const value = readExport(project.addSourceFileAtPath(file), 'contract', shown, diagnostics);
    if (value === undefined) continue;
    const problem = shapeProblem(value);
    if (problem !== null) {
      diagnostics.push({
        file: shown,
        line: 1,
        col: 1,
        code: 'E024',
        message: `contract ${problem}`,
      });
      continue;
    }
    const contract = value as unknown as SourceContract;
    const existing = sources.get(contract.source);
    if (existing) {
      diagnostics.push({
        file: shown,
        line: 1,
        col: 1,
        code: 'E024',
        message: `source '${contract.source}' is already declared by ${existing.file}`,
      });
      continue;
    }
    sources.set(contract.source, { file: shown, contract });
  }
  return { contracts: { sources, commonFlags }, diagnostics };
}

/** The evaluated initializer of `export const <name> = <literal> [as const] [satisfies T]`. */
function readExport(
  source: SourceFile,
  name: string,
  file: string,
  diagnostics: Diagnostic[],
): unknown {
  const declaration = source.getVariableDeclaration(name);
  if (!declaration?.isExported()) {
    diagnostics.push({
      file,
      line: 1,
      col: 1,
      code: 'E024',
      message: `no \`export const ${name} = { ... }\` found`,
    });
    return undefined;
  }
  const initializer = declaration.getInitializer();
  if (!initializer) {
    const { line, column } = source.getLineAndColumnAtPos(declaration.getStart());
    diagnostics.push({
      file,
      line,
      col: column,
      code: 'E024',
      message: `\`${name}\` has no initializer`,
    });
    return undefined;
  }
  try {
    return evaluateLiteral(initializer);
  } catch (error) {
    if (!(error instanceof NotLiteral)) throw error;
    const { line, column } = source.getLineAndColumnAtPos(error.node.getStart());
    diagnostics.push({
      file,
      line,
      col: column,
      code: 'E024',
      message: `\`${name}\` must be a plain literal for the DAG compiler to read it statically: ${error.message}`,
    });
    return undefined;
  }
}

function evaluateLiteral(node: Node): unknown {
  if (
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isParenthesizedExpression(node)
  ) {
    return evaluateLiteral(node.getExpression());
  }
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node))
    return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (node.getKind() === SyntaxKind.TrueKeyword) return true;
  if (node.getKind() === SyntaxKind.FalseKeyword) return false;
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) {
    const operand = node.getOperand();
    if (Node.isNumericLiteral(operand)) return -operand.getLiteralValue();
  }
  if (Node.isArrayLiteralExpression(node)) return node.getElements().map(evaluateLiteral);
  if (Node.isObjectLiteralExpression(node)) {
    const result: Record<string, unknown> = {};
    for (const property of node.getProperties()) {
      if (!Node.isPropertyAssignment(property)) {
        throw new NotLiteral(
          property,
          `${property.getKindName()} is not allowed (only \`key: value\`)`,
        );
      }
      const nameNode = property.getNameNode();
      let key: string;
      if (Node.isIdentifier(nameNode)) key = nameNode.getText();
      else if (Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode))
        key = String(nameNode.getLiteralValue());
      else throw new NotLiteral(nameNode, `computed key ${nameNode.getText()} is not allowed`);
      const initializer = property.getInitializer();
      if (!initializer) throw new NotLiteral(property, `property ${key} has no value`);
      result[key] = evaluateLiteral(initializer);
    }
    return result;
  }
  throw new NotLiteral(
    node,
    `${node.getKindName()} \`${truncate(node.getText())}\` is not a literal`,
  );
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 40 ? `${oneLine.slice(0, 37)}...` : oneLine;
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
