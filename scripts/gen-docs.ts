/**
 * `npm run gen-docs [-- --check]`: rewrites the generated parts of the docs (today the table of
 * diagnostic codes in dag-specs/README.md, from codegen/diagnostics.ts). With --check nothing is
 * written; exits 1 when the docs are stale. Exit 2 on a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DIAGNOSTICS_DOC, withDiagnosticsTable } from '../codegen/diagnostics-docs.js';

function main(argv: readonly string[]): number {
  let check: boolean;
  try {
    const { values } = parseArgs({ args: [...argv], options: { check: { type: 'boolean' } } });
    check = values.check === true;
  } catch (error) {
    console.error(`gen-docs: ${(error as Error).message}\nusage: gen-docs [--check]`);
    return 2;
  }
  const current = readFileSync(DIAGNOSTICS_DOC, 'utf8');
  const updated = withDiagnosticsTable(current);
  if (updated === current) return 0;
  if (check) {
    console.error(`gen-docs: ${DIAGNOSTICS_DOC} is stale; run npm run gen-docs`);
    return 1;
  }
  writeFileSync(DIAGNOSTICS_DOC, updated);
  console.log(`gen-docs: updated ${DIAGNOSTICS_DOC}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
