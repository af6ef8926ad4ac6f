/**
 * The golden files of the Kubernetes target: the golden specs (golden/specs) plus the
 * target-specific ones (golden-kubernetes/specs), compiled with golden-kubernetes/_project.yaml.
 * Shared by test/codegen/kubernetes.test.ts and test/airflow/kubernetes-pods.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type CompileResult,
  compile,
  readContracts,
  type SourceText,
} from '../../codegen/index.js';
import { contractsDir, fixtures, goldenSpecs, repoRoot } from './helpers.js';

const kubernetesDir = path.join(fixtures, 'golden-kubernetes');
export const KUBERNETES_GOLDEN_EXPECTED = path.join(kubernetesDir, 'expected');
export const KUBERNETES_GOLDEN_PROJECT = readFileSync(
  path.join(kubernetesDir, '_project.yaml'),
  'utf8',
);

/** A file as gen-dags reads it, shown relative to the repository. */
export function source(file: string): SourceText {
  const bytes = readFileSync(file);
  return { path: path.relative(repoRoot, file), text: bytes.toString('utf8'), bytes };
}

/** Spec files of a folder (not `_project.yaml`). */
export function specFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') && !name.startsWith('_'))
    .map((name) => path.join(dir, name));
}

export function compileKubernetesGolden(): CompileResult {
  const contracts = readContracts(contractsDir, repoRoot);
  return compile({
    specs: [...specFiles(goldenSpecs), ...specFiles(path.join(kubernetesDir, 'specs'))].map(source),
    project: source(path.join(kubernetesDir, '_project.yaml')),
    contracts: contracts.contracts,
    contractDiagnostics: contracts.diagnostics,
  });
}
