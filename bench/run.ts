/**
 * `npm run bench [-- name ...] [--flag=value ...]` runs every `bench/*.bench.ts` (or the named
 * ones) one after the other, each in its own process so that peak RSS figures do not bleed into
 * each other; `--flag=value` options pass through to every benchmark (`--rows=`, `--impressions=`).
 * Benchmarks print their own figures; nothing here asserts on time. `--help` (anywhere) prints
 * the usage and runs nothing. Exit codes (cli/run.ts): 0 all ran, 1 one failed, 2 usage.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, isMainModule, runMain, UsageError } from '../cli/run.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function benchmarks(): string[] {
  return readdirSync(here)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace(/\.bench\.ts$/, ''))
    .sort();
}

function usage(): string {
  return `usage: npm run bench [-- name ...] [--flag=value ...]

Runs every benchmark (or the named ones), each in its own process; --flag=value options
(--rows=N, --impressions=N, ...) pass through to each benchmark.

Benchmarks: ${benchmarks().join(', ')}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${usage()}\n`);
    return EXIT_OK;
  }
  const wanted = argv.filter((arg) => !arg.startsWith('-'));
  const passThrough = argv.filter((arg) => arg.startsWith('-'));
  const all = benchmarks();
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`,
    );
  }
  const malformed = passThrough.filter((arg) => !/^--[\w-]+=/.test(arg));
  if (malformed.length > 0) {
    throw new UsageError(`options pass through as --flag=value, got ${malformed.join(', ')}`);
  }
  let failed = 0;
  for (const name of wanted.length > 0 ? wanted : all) {
    console.log(`\n=== bench: ${name}`);
    const result = await execa(
      'npx',
      ['tsx', path.join(here, `${name}.bench.ts`), ...passThrough],
      { stdio: 'inherit', reject: false },
    );
    if (result.exitCode !== 0) {
      failed += 1;
      console.error(`bench ${name} failed with exit code ${result.exitCode}`);
    }
  }
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

if (isMainModule(import.meta.url)) runMain('bench', main, { usage: usage() });
