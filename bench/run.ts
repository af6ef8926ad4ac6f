/**
 * `npm run bench [-- name ...]` runs every `bench/*.bench.ts` (or the named ones) one after the
 * other, each in its own process so that peak RSS figures do not bleed into each other.
 * Benchmarks print their own figures; nothing here asserts on time.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench: ${name}`);
  const result = await execa('npx', ['tsx', path.join(here, `${name}.bench.ts`), ...passThrough], {
    stdio: 'inherit',
    reject: false,
  });
  if (result.exitCode !== 0) {
    failed += 1;
    console.error(`bench ${name} failed with exit code ${result.exitCode}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
