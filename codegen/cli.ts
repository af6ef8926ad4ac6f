/**
 * `npm run gen-dags [-- --check] [--specs DIR] [--out DIR] [--contracts DIR]`
 *
 * Compiles every spec in the specs folder into the output folder and writes the JSON Schemas
 * next to the specs. Generated files whose spec is gone (they carry our header) are removed;
 * other files are left alone. With --check nothing is written: it lists what would change and
 * exits 1 if anything would. Diagnostics go to stderr; any error exits 1, warnings do not; a bad
 * flag exits 2 (cli/run.ts). `--help` prints the usage and does nothing else.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommandLine, wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, errorLine, exitCodeOf } from '../cli/run.js';
import { type GeneratedFile, schemaFiles } from './compile.js';
import { formatDiagnostic, hasErrors, severityOf } from './diagnostics.js';
import { HEADER_MARKER } from './emit.js';
import { compileFolder } from './index.js';

interface CliOptions {
  specsDir: string;
  outDir: string;
  contractsDir: string;
  check: boolean;
}

interface Change {
  file: string;
  change: 'create' | 'update' | 'remove';
}

const USAGE = `usage: gen-dags [--check] [--specs DIR] [--out DIR] [--contracts DIR]
  --specs DIR       spec folder (default dag-specs)
  --out DIR         output folder for DAG files (default airflow/dags)
  --contracts DIR   extractor folder with <source>/contract.ts (default extractors)
  --check           write nothing; exit 1 when generated files are stale`;

/** Runs the CLI; returns the exit code. Output goes through `write` (stdout) and `warn` (stderr). */
export function runCli(
  argv: readonly string[],
  io: { write: (line: string) => void; warn: (line: string) => void } = {
    write: (line) => console.log(line),
    warn: (line) => console.error(line),
  },
): number {
  if (wantsHelp(argv)) {
    io.write(USAGE);
    return EXIT_OK;
  }
  let options: CliOptions;
  try {
    const { values } = parseCommandLine({
      args: [...argv],
      options: {
        specs: { type: 'string', default: 'dag-specs' },
        out: { type: 'string', default: path.join('airflow', 'dags') },
        contracts: { type: 'string', default: 'extractors' },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    });
    options = {
      specsDir: values.specs,
      outDir: values.out,
      contractsDir: values.contracts,
      check: values.check,
    };
  } catch (error) {
    io.warn(`${errorLine('gen-dags', error)}\n${USAGE}`);
    return exitCodeOf(error);
  }
  if (!existsSync(options.specsDir)) {
    io.warn(`gen-dags: spec folder ${options.specsDir} does not exist`);
    return EXIT_FAILURE;
  }

  const result = compileFolder({ specsDir: options.specsDir, contractsDir: options.contractsDir });
  for (const diagnostic of result.diagnostics) io.warn(formatDiagnostic(diagnostic));
  if (hasErrors(result.diagnostics)) {
    const errors = result.diagnostics.filter(
      (diagnostic) => severityOf(diagnostic) === 'error',
    ).length;
    io.warn(`gen-dags: ${errors} error(s); nothing written`);
    return 1;
  }

  const schemas = schemaFiles();
  const dagChanges = plan(options.outDir, result.files, true);
  const schemaChanges = plan(options.specsDir, schemas, false);
  const changes = [...dagChanges, ...schemaChanges];
  if (options.check) {
    for (const { file, change } of changes) io.warn(`stale: ${file} (would ${change})`);
    if (changes.length > 0) {
      io.warn(`gen-dags --check: ${changes.length} file(s) out of date; run \`npm run gen-dags\``);
      return 1;
    }
    io.write(`gen-dags --check: ${result.files.length} DAG file(s) up to date`);
    return 0;
  }
  apply(options.outDir, result.files, dagChanges);
  apply(options.specsDir, schemas, schemaChanges);
  for (const { file, change } of changes) io.write(`${change}: ${file}`);
  io.write(
    `gen-dags: ${result.files.length} DAG file(s) in ${options.outDir}, ${changes.length} changed`,
  );
  return 0;
}

/**
 * What writing `files` into `dir` would change. With `removeStale`, `.py` files in `dir` that carry
 * our header but are not generated any more are removed; files without it are never touched.
 */
function plan(dir: string, files: readonly GeneratedFile[], removeStale: boolean): Change[] {
  const changes: Change[] = [];
  const wanted = new Set(files.map((file) => file.name));
  for (const file of files) {
    const target = path.join(dir, file.name);
    if (!existsSync(target)) changes.push({ file: target, change: 'create' });
    else if (readFileSync(target, 'utf8') !== file.text)
      changes.push({ file: target, change: 'update' });
  }
  if (removeStale && existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const target = path.join(dir, name);
      if (wanted.has(name) || !name.endsWith('.py')) continue;
      if (readFileSync(target, 'utf8').startsWith(HEADER_MARKER))
        changes.push({ file: target, change: 'remove' });
    }
  }
  return changes;
}

function apply(dir: string, files: readonly GeneratedFile[], changes: readonly Change[]): void {
  mkdirSync(dir, { recursive: true });
  const byPath = new Map(files.map((file) => [path.join(dir, file.name), file.text]));
  for (const { file, change } of changes) {
    if (change === 'remove') rmSync(file);
    else writeFileSync(file, byPath.get(file) ?? '');
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename);
if (invokedDirectly) process.exitCode = runCli(process.argv.slice(2));
