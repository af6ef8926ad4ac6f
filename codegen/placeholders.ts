/**
 * `${...}` placeholders in spec strings. Run-time values (`${since}`, `${until}`, `${run_id}`)
 * become structured `Arg`s; fan-out values (`${item}`, `${item.<key>}`) are substituted at compile
 * time. `$${` writes a literal `${`.
 */
import type { Arg, TemplateName, TemplateRef } from './ir.js';

const RUN_PLACEHOLDERS: Readonly<Record<string, TemplateName>> = {
  since: 'window_start',
  until: 'window_end',
  run_id: 'run_id',
};

export type Piece = { text: string } | { placeholder: string };

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}/g;

/** Splits a string into literal text and placeholder names (escapes resolved). */
function splitPlaceholders(value: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let last = 0;
  for (const match of value.matchAll(PLACEHOLDER)) {
    text += value.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === '$${') {
      text += '${';
      continue;
    }
    if (text !== '') pieces.push({ text });
    text = '';
    pieces.push({ placeholder: (match[1] ?? '').trim() });
  }
  text += value.slice(last);
  if (text !== '') pieces.push({ text });
  return pieces;
}

/** Placeholder names a string uses. */
export function placeholdersIn(value: string): string[] {
  return splitPlaceholders(value).flatMap((piece) =>
    'placeholder' in piece ? [piece.placeholder] : [],
  );
}

export type FanOutItem = Readonly<Record<string, string>> & { readonly id: string };

/** What is wrong with a placeholder name in a field, or null. `allowRun` is false where run-time values make no sense. */
export function placeholderProblem(
  name: string,
  item: FanOutItem | null,
  allowRun: boolean,
): string | null {
  if (name in RUN_PLACEHOLDERS) {
    return allowRun
      ? null
      : `\${${name}} is a run-time value and cannot be used here (only \${item} placeholders)`;
  }
  if (name === 'item' || name.startsWith('item.')) {
    if (item === null) return `\${${name}} is only available in a task with for_each`;
    const key = name === 'item' ? 'id' : name.slice('item.'.length);
    return key in item ? null : `fan-out item '${item.id}' has no key '${key}' for \${${name}}`;
  }
  const known = [...Object.keys(RUN_PLACEHOLDERS), 'item', 'item.<key>']
    .map((known) => `\${${known}}`)
    .join(', ');
  return `unknown placeholder \${${name}} (known: ${known}; write $\${ for a literal \${)`;
}

/** The value with fan-out placeholders substituted and run-time ones kept as template refs. */
export function toArg(value: string, item: FanOutItem | null): Arg {
  const parts: (string | TemplateRef)[] = [];
  for (const piece of splitPlaceholders(value)) {
    let part: string | TemplateRef;
    if ('text' in piece) part = piece.text;
    else {
      const run = RUN_PLACEHOLDERS[piece.placeholder];
      if (run !== undefined) part = { template: run };
      else {
        // Validation guarantees the item and key exist.
        const key = piece.placeholder === 'item' ? 'id' : piece.placeholder.slice('item.'.length);
        part = item?.[key] ?? '';
      }
    }
    const previous = parts[parts.length - 1];
    if (typeof part === 'string' && typeof previous === 'string')
      parts[parts.length - 1] = previous + part;
    else parts.push(part);
  }
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0] as string | TemplateRef;
  return { concat: parts };
}

/** The value with only fan-out placeholders substituted (fields where run-time values are not allowed). */
export function substituteItem(value: string, item: FanOutItem | null): string {
  const arg = toArg(value, item);
  if (typeof arg !== 'string')
    throw new Error(`run-time placeholder in a compile-time field: ${value}`);
  return arg;
}

/** Whether a string is meant as raw Airflow Jinja (in the fields that allow it). */
export function looksLikeJinja(value: string): boolean {
  return /\{\{|\{%|\{#/.test(value);
}
