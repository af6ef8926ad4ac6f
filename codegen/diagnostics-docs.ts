/**
 * The table of diagnostic codes in dag-specs/README.md, generated from `DIAGNOSTICS` so the docs
 * cannot drift from the compiler. Only the text between the two marker comments is rewritten.
 */
import { DIAGNOSTICS, type DiagnosticCode } from './diagnostics.js';

export const DIAGNOSTICS_DOC = 'dag-specs/README.md';
export const BEGIN_MARKER =
  '<!-- diagnostics:begin (generated from codegen/diagnostics.ts by `npm run gen-docs`; do not edit) -->';
export const END_MARKER = '<!-- diagnostics:end -->';

/** The Markdown table of every code, errors then warnings, in code order. */
export function renderDiagnosticsTable(): string {
  const codes = (Object.keys(DIAGNOSTICS) as DiagnosticCode[]).sort();
  const rows = codes.map((code) => `| ${code} | ${DIAGNOSTICS[code].summary} |`);
  return ['| code | problem |', '|---|---|', ...rows].join('\n');
}

/** The document with the region between the markers replaced by the current table. */
export function withDiagnosticsTable(document: string): string {
  const begin = document.indexOf(BEGIN_MARKER);
  const end = document.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`${DIAGNOSTICS_DOC} has no ${BEGIN_MARKER} ... ${END_MARKER} region`);
  }
  return `${document.slice(0, begin + BEGIN_MARKER.length)}\n${renderDiagnosticsTable()}\n${document.slice(end)}`;
}
