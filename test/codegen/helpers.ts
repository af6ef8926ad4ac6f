import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect } from 'vitest';
import {
  type CompileResult,
  compile,
  readContracts,
  type SourceText,
} from '../../codegen/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = path.join(repoRoot, 'test/fixtures/codegen');
export const contractsDir = path.join(fixtures, 'contracts');
export const goldenSpecs = path.join(fixtures, 'golden/specs');
export const fixtureProjectText = readFileSync(path.join(goldenSpecs, '_project.yaml'), 'utf8');

const fixtureContracts = readContracts(contractsDir, repoRoot);

/** Compiles spec texts against the fixture project file and fixture contracts. */
export function compileSpecs(
  specs: readonly SourceText[],
  projectText: string | null = fixtureProjectText,
): CompileResult {
  return compile({
    specs,
    project: projectText === null ? null : { path: 'specs/_project.yaml', text: projectText },
    contracts: fixtureContracts.contracts,
    contractDiagnostics: fixtureContracts.diagnostics,
  });
}

/** One spec file named after its dag_id. */
export function compileOne(
  dagId: string,
  text: string,
  projectText?: string | null,
): CompileResult {
  return compileSpecs([{ path: `specs/${dagId}.yaml`, text }], projectText);
}

export function compileOk(dagId: string, text: string, projectText?: string): string {
  const result = compileOne(dagId, text, projectText);
  expect(result.diagnostics.filter((d) => d.code.startsWith('E'))).toEqual([]);
  const file = result.files.find((candidate) => candidate.name === `${dagId}.py`);
  if (file === undefined) throw new Error(`no ${dagId}.py generated`);
  return file.text;
}

/**
 * python3 is needed to check generated Python. Missing locally: those tests are skipped (vitest
 * lists them as skipped). Missing in CI (CI set): importing this module throws, so the test files
 * fail and the check is never skipped silently there.
 */
export const PYTHON = detectPython();

function detectPython(): boolean {
  if (spawnSync('python3', ['--version']).status === 0) return true;
  if (process.env.CI) throw new Error('python3 is required in CI for the generated-DAG checks');
  console.warn('python3 not found: the Python checks of generated DAG files are skipped');
  return false;
}

export async function runPython(script: string, args: readonly string[] = [], input?: string) {
  return execa('python3', ['-c', script, ...args], { reject: false, input, extendEnv: true });
}
