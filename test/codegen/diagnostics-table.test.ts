/**
 * The catalogue of diagnostic codes (codegen/diagnostics.ts): one severity and one message
 * template per code, every code the compiler reports is in it, and the docs' table is generated
 * from it and up to date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DIAGNOSTICS,
  type DiagnosticCode,
  diagnostic,
  renderMessage,
  severityOf,
} from '../../codegen/diagnostics.js';
import { DIAGNOSTICS_DOC, withDiagnosticsTable } from '../../codegen/diagnostics-docs.js';
import { repoRoot } from './helpers.js';

const codes = Object.keys(DIAGNOSTICS) as DiagnosticCode[];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('diagnostic codes table', () => {
  it('E codes are errors and W codes warnings', () => {
    for (const code of codes) {
      expect(DIAGNOSTICS[code].severity, code).toBe(code.startsWith('W') ? 'warning' : 'error');
    }
  });

  it('holds exactly the codes the compiler reports', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(repoRoot, 'codegen'))) {
      if (file.endsWith(`${path.sep}diagnostics.ts`)) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(/'([EW]\d{3})'/g))
        used.add(match[1] as string);
    }
    expect([...used].sort()).toEqual([...codes].sort());
  });

  it('fills a template from typed parameters and refuses a missing one', () => {
    const made = diagnostic(
      'E016',
      { file: 'a.yaml', line: 3, col: 5 },
      { env: 'PG_URL', hint: '' },
    );
    expect(made).toEqual({
      file: 'a.yaml',
      line: 3,
      col: 5,
      code: 'E016',
      message: 'secret PG_URL is not declared in _project.yaml `secrets`',
    });
    expect(severityOf(made)).toBe('error');
    expect(severityOf(diagnostic('W004', made, {}))).toBe('warning');
    expect(() => renderMessage(DIAGNOSTICS.E016.message, { env: 'X' })).toThrow(/hint/);
    // The parameters are typed from the template: a missing or unknown one does not compile.
    // @ts-expect-error hint is missing
    expect(() => diagnostic('E016', made, { env: 'X' })).toThrow(/hint/);
    // @ts-expect-error E016 has no parameter named source
    diagnostic('E016', made, { env: 'X', hint: '', source: 'y' });
  });

  it('a secret missing from `secrets` has one code per place it is named', () => {
    expect(DIAGNOSTICS.E016.message).not.toBe(DIAGNOSTICS.E036.message);
    const messages = codes.map((code) => DIAGNOSTICS[code].message);
    const summaries = codes.map((code) => DIAGNOSTICS[code].summary);
    expect(new Set(summaries).size).toBe(codes.length);
    expect(messages.every((message) => message.length > 0)).toBe(true);
  });

  it(`${DIAGNOSTICS_DOC} lists every code as the table says (npm run gen-docs)`, () => {
    const document = readFileSync(path.join(repoRoot, DIAGNOSTICS_DOC), 'utf8');
    expect(withDiagnosticsTable(document)).toBe(document);
    for (const code of codes)
      expect(document).toContain(`| ${code} | ${DIAGNOSTICS[code].summary} |`);
  });
});
