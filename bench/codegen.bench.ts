/**
 * gen-dags on 500 specs (goal: under 5 s). Builds a temp folder of 500 specs (extract with
 * fan-out, dbt, container; asset triggers between them), then times the in-process compile (contract
 * reading and compile separately) and whole `gen-dags` CLI processes (write, then --check).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { severityOf } from '../codegen/diagnostics.js';
import { compile, listSpecFiles, readContracts } from '../codegen/index.js';
import { SPECS, benchSpec as spec } from './bench-specs.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'codegen-bench-'));
const specsDir = path.join(tmp, 'specs');
const outDir = path.join(tmp, 'dags');
mkdirSync(specsDir);
copyFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), path.join(specsDir, '_project.yaml'));

for (let index = 0; index < SPECS; index += 1) {
  writeFileSync(path.join(specsDir, `bench_${String(index).padStart(3, '0')}.yaml`), spec(index));
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

try {
  let start = process.hrtime.bigint();
  const contracts = readContracts(path.join(repoRoot, 'extractors'), repoRoot);
  const contractMs = ms(start);
  const texts = listSpecFiles(specsDir).map((file) => ({
    path: path.relative(repoRoot, file),
    text: readFileSync(file, 'utf8'),
  }));
  start = process.hrtime.bigint();
  const result = compile({
    specs: texts,
    project: {
      path: 'specs/_project.yaml',
      text: readFileSync(path.join(specsDir, '_project.yaml'), 'utf8'),
    },
    contracts: contracts.contracts,
    contractDiagnostics: contracts.diagnostics,
  });
  const compileMs = ms(start);
  const errors = result.diagnostics.filter((diagnostic) => severityOf(diagnostic) === 'error');
  if (errors.length > 0 || result.files.length !== SPECS) {
    throw new Error(`bench specs did not compile: ${JSON.stringify(errors.slice(0, 3))}`);
  }

  const cli = async (...extra: string[]) => {
    const begin = process.hrtime.bigint();
    const run = await execa(
      'npx',
      ['tsx', 'codegen/cli.ts', '--specs', specsDir, '--out', outDir, ...extra],
      { cwd: repoRoot, reject: false },
    );
    if (run.exitCode !== 0)
      throw new Error(`gen-dags ${extra.join(' ')} failed: ${run.stderr.slice(0, 500)}`);
    return ms(begin);
  };
  const writeMs = await cli();
  const checkMs = await cli('--check');
  const bytes = result.files.reduce((sum, file) => sum + file.text.length, 0);

  console.log(
    `codegen: ${SPECS} specs, ${result.ir?.dags.reduce((n, dag) => n + dag.tasks.length, 0)} tasks, ${(bytes / 1e6).toFixed(1)} MB of Python`,
  );
  console.log(
    `  in-process: read contracts (ts-morph) ${contractMs.toFixed(0)} ms, compile ${compileMs.toFixed(0)} ms`,
  );
  console.log(
    `  gen-dags CLI process (tsx start-up included): write ${writeMs.toFixed(0)} ms, --check ${checkMs.toFixed(0)} ms`,
  );
  console.log(`  goal < 5000 ms: ${writeMs < 5000 && checkMs < 5000 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
