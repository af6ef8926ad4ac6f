/**
 * Python and Jinja literals. Every spec string reaches the generated file through `pyString`, and
 * every string that lands in an operator's templated field (DockerOperator or KubernetesPodOperator)
 * through `jinjaText`, so no spec value can end a literal early, inject code, or be changed by
 * Airflow's template rendering.
 */
import type { Arg, TemplateName, TemplateRef } from './ir.js';

/**
 * A double-quoted Python literal holding exactly `value`. The output is pure ASCII: quotes,
 * backslashes, control and non-ASCII characters are escaped, so `"""`, newlines, NULs or line
 * separators cannot break the file.
 */
export function pyString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') out += '\\\\';
    else if (char === '"') out += '\\"';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += char;
    else out += codeEscape(code);
  }
  return `${out}"`;
}

function codeEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

export type PyValue =
  | string
  | number
  | boolean
  | null
  | readonly PyValue[]
  | { readonly [key: string]: PyValue };

/** A Python expression for plain data (dict keys in the given order). */
export function pyValue(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyValue).join(', ')}]`;
  const entries = Object.entries(value as Record<string, PyValue>);
  return `{${entries.map(([key, inner]) => `${pyString(key)}: ${pyValue(inner)}`).join(', ')}}`;
}

/**
 * DockerOperator.template_ext: a templated string ending like this is read as a template file.
 * KubernetesPodOperator has none; wrapping such values there too only renders them the same way.
 */
const TEMPLATE_EXTENSIONS = ['.sh', '.bash', '.env'];

/**
 * Text for an Airflow templated field that renders to exactly `value`. Plain text renders to
 * itself; text Jinja would change (`{{`, `{%`, `{#`, newlines, which Jinja normalizes, or a
 * template-file extension at the end) is wrapped as a Jinja string expression `{{ '...' }}` whose
 * contents are escaped so Jinja's unicode-escape decoding gives back the exact value.
 */
function jinjaText(value: string, isEnd = true): string {
  const risky =
    value.includes('{') ||
    value.includes('\r') ||
    value.includes('\n') ||
    (isEnd && TEMPLATE_EXTENSIONS.some((extension) => value.toLowerCase().endsWith(extension)));
  return risky ? jinjaStringExpression(value) : value;
}

function jinjaStringExpression(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    // Printable ASCII reads as itself; quotes, backslashes, braces and the rest are escaped.
    out += code >= 0x20 && code < 0x7f && !`'\\{}%#`.includes(char) ? char : codeEscape(code);
  }
  return `{{ '${out}' }}`;
}

/** Jinja expressions for run-time values; the macros come from the runtime module (emit.ts). */
const TEMPLATE_JINJA: Readonly<Record<TemplateName, string>> = {
  window_start: '{{ adtech_window_start(dag_run) }}',
  window_end: '{{ adtech_window_end(dag_run) }}',
  run_id: '{{ run_id }}',
};

/** The templated-field text for an Arg. */
export function argTemplate(arg: Arg): string {
  if (typeof arg === 'string') return jinjaText(arg);
  if ('template' in arg) return TEMPLATE_JINJA[arg.template];
  if ('jinja' in arg) return arg.jinja;
  return arg.concat
    .map((part: string | TemplateRef, index) =>
      typeof part === 'string'
        ? jinjaText(part, index === arg.concat.length - 1)
        : TEMPLATE_JINJA[part.template],
    )
    .join('');
}
