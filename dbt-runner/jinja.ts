/**
 * The Jinja subset the local runner understands, on top of nunjucks (a maintained
 * Jinja-compatible engine). Before anything renders, every template is parsed and its syntax
 * tree checked against an allow-list, so a dbt construct the runner cannot honour (`adapter`,
 * `run_query`, `{% call %}`, `{% do %}`, an unknown filter …) fails with file:line:col and the
 * construct's name instead of rendering into silently wrong SQL.
 *
 * Supported:
 * - expressions `{{ … }}`, `{% if/elif/else %}`, `{% for %}`, `{% set x = … %}`, comments,
 *   whitespace control, literals, lists, dicts, comparisons, `and/or/not/in`, `+ - * / % ~`;
 * - functions `ref('model')`, `source('source', 'table')`, `config(key=value, …)`,
 *   `var('name'[, default])`, `is_incremental()`, and macros defined in the project's macro and
 *   generic-test files;
 * - objects `this` (`this`, `this.schema`, `this.identifier`, `this.name`) and `target`
 *   (`target.schema`, `target.name`);
 * - filters `trim lower upper replace join default int string length`;
 * - `{% macro %}` in macro files and `{% test %}` in generic-test files.
 */
import nunjucks from 'nunjucks';
import { DbtRunnerError } from './errors.js';

export class JinjaError extends DbtRunnerError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly construct: string,
    detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'JinjaError';
  }
}

const GLOBAL_FUNCTIONS = ['ref', 'source', 'config', 'var', 'is_incremental'];
const GLOBAL_OBJECTS: Record<string, readonly string[]> = {
  this: ['schema', 'identifier', 'name'],
  target: ['schema', 'name'],
};
const FILTERS = ['trim', 'lower', 'upper', 'replace', 'join', 'default', 'int', 'string', 'length'];
const NODE_TYPES = new Set([
  'Root',
  'NodeList',
  'Output',
  'TemplateData',
  'Literal',
  'Symbol',
  'Group',
  'Array',
  'Dict',
  'Pair',
  'KeywordArgs',
  'If',
  'InlineIf',
  'For',
  'Set',
  'FunCall',
  'Filter',
  'LookupVal',
  'Compare',
  'CompareOperand',
  'Or',
  'And',
  'Not',
  'In',
  'Add',
  'Concat',
  'Sub',
  'Mul',
  'Div',
  'Mod',
  'Neg',
  'Macro',
]);

// nunjucks ships no types for its parser and node classes; this is the part we walk.
interface JinjaNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  children?: JinjaNode[];
  value?: unknown;
  [field: string]: unknown;
}
const parser = (nunjucks as unknown as { parser: { parse(src: string): JinjaNode } }).parser;

const describe = (supported: readonly string[]) => supported.join(', ');

/** `{% test name(args) %}` is dbt's spelling of a macro named `test_name`. */
export function testBlocksToMacros(source: string): string {
  return source
    .replace(/\{%(-?)\s*test\s+(\w+)\s*\(/g, '{%$1 macro test_$2(')
    .replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, '{%$1 endmacro $2%}');
}

/** Names of the macros a macro/test file defines (after `testBlocksToMacros`). */
export function macroNames(source: string): string[] {
  return [...source.matchAll(/\{%-?\s*macro\s+(\w+)\s*\(/g)].map((match) => match[1] ?? '');
}

/**
 * Parses `source` and throws a located JinjaError on the first construct outside the subset.
 * `macros` are extra callable names (the project's macros); `allowMacroDefinitions` is true for
 * macro and generic-test files only.
 */
export function checkTemplate(
  file: string,
  source: string,
  macros: readonly string[],
  allowMacroDefinitions = false,
): void {
  let root: JinjaNode;
  try {
    root = parser.parse(source);
  } catch (error) {
    const { lineno, colno, message } = error as {
      lineno?: number;
      colno?: number;
      message: string;
    };
    const tag = /unknown block tag: (\w+)/.exec(message)?.[1];
    // nunjucks reports an unknown tag where it gave up, often a line later; find the tag itself.
    const tagAt = tag ? source.search(new RegExp(`\\{%-?\\s*${tag}\\b`)) : -1;
    const before = source.slice(0, tagAt);
    throw new JinjaError(
      file,
      tagAt >= 0 ? before.split('\n').length : (lineno ?? 0) + 1,
      tagAt >= 0 ? tagAt - before.lastIndexOf('\n') : (colno ?? 0) + 1,
      tag ?? 'syntax',
      tag
        ? `unsupported Jinja tag '{% ${tag} %}' (the local runner supports if, for, set, macro)`
        : `Jinja syntax error: ${message}`,
    );
  }
  const locals = new Set<string>();
  collectLocals(root, locals);
  const fail = (node: JinjaNode, construct: string, detail: string): never => {
    throw new JinjaError(file, node.lineno + 1, node.colno + 1, construct, detail);
  };

  const walk = (node: unknown): void => {
    if (!isNode(node)) return;
    const type = node.typename;
    if (!NODE_TYPES.has(type)) {
      fail(node, type, `unsupported Jinja construct '${type}' in the local runner`);
    }
    if (type === 'Macro' && !allowMacroDefinitions) {
      fail(node, 'macro', `'{% macro %}' belongs in the macros folder, not in a model`);
    }
    if (type === 'Symbol') {
      const name = String(node.value);
      if (!locals.has(name) && !(name in GLOBAL_OBJECTS)) {
        fail(
          node,
          name,
          `unsupported Jinja name '${name}' (supported: ${describe([...GLOBAL_FUNCTIONS, ...Object.keys(GLOBAL_OBJECTS)])} and project macros)`,
        );
      }
    }
    if (type === 'Filter') {
      const name = String((node.name as JinjaNode).value);
      if (!FILTERS.includes(name)) {
        fail(node, name, `unsupported Jinja filter '${name}' (supported: ${describe(FILTERS)})`);
      }
      walkAll((node.args as JinjaNode).children);
      return;
    }
    if (type === 'FunCall') {
      const callee = node.name as JinjaNode;
      const args = (node.args as JinjaNode).children ?? [];
      // `{% call f() %}…{% endcall %}` parses as f(caller=<Caller>).
      const keywordValues = args
        .filter((arg) => arg.typename === 'KeywordArgs')
        .flatMap((arg) => (arg.children ?? []).map((pair) => pair.value as JinjaNode));
      if (keywordValues.some((value) => value.typename === 'Caller')) {
        fail(node, 'call', "unsupported Jinja tag '{% call %}' in the local runner");
      }
      if (callee.typename === 'LookupVal') {
        // `adapter.get_relation()`: name the unknown object rather than the call.
        let root = callee;
        while (root.typename === 'LookupVal') root = root.target as JinjaNode;
        if (root.typename === 'Symbol') walk(root);
        fail(callee, 'method call', 'method calls are not supported by the local runner');
      }
      if (callee.typename !== 'Symbol') {
        fail(callee, 'call', 'only named functions can be called in the local runner');
      }
      const name = String(callee.value);
      if (!GLOBAL_FUNCTIONS.includes(name) && !macros.includes(name) && !locals.has(name)) {
        fail(
          callee,
          name,
          `unsupported Jinja function '${name}()' (supported: ${describe(GLOBAL_FUNCTIONS)} and project macros)`,
        );
      }
      if (name === 'ref' || name === 'source') {
        for (const arg of (node.args as JinjaNode).children ?? []) {
          if (arg.typename !== 'Literal' || typeof arg.value !== 'string') {
            fail(arg, name, `${name}() takes string literals only`);
          }
        }
      }
      walk(node.args);
      return;
    }
    if (type === 'LookupVal') {
      const target = node.target as JinjaNode;
      const key = node.val as JinjaNode;
      if (target.typename === 'Symbol' && String(target.value) in GLOBAL_OBJECTS) {
        const name = String(target.value);
        const allowed = GLOBAL_OBJECTS[name] ?? [];
        if (key.typename !== 'Literal' || !allowed.includes(String(key.value))) {
          fail(
            node,
            `${name}.${String(key.value)}`,
            `unsupported attribute '${name}.${String(key.value)}' (supported: ${describe(allowed.map((a) => `${name}.${a}`))})`,
          );
        }
        return;
      }
    }
    if (type === 'Pair') {
      // A keyword argument's or dict's bare key is a name, not a variable lookup.
      if ((node.key as JinjaNode).typename !== 'Symbol') walk(node.key);
      walk(node.value);
      return;
    }
    if (type === 'Macro') {
      walk(node.args);
      walk(node.body);
      return;
    }
    if (type === 'Set') {
      walk(node.value);
      return;
    }
    if (type === 'For') {
      walk(node.arr);
      walk(node.body);
      walk(node.else_);
      return;
    }
    if (node.children) walkAll(node.children);
    for (const field of node.fields) walk(node[field]);
  };
  const walkAll = (nodes: JinjaNode[] | undefined) => {
    for (const child of nodes ?? []) walk(child);
  };
  walk(root);
}

function isNode(value: unknown): value is JinjaNode {
  return typeof value === 'object' && value !== null && 'typename' in value;
}

/** Names a template binds itself: `set` targets, `for` variables, macro names and arguments. */
function collectLocals(node: unknown, into: Set<string>): void {
  if (!isNode(node)) return;
  const bind = (target: unknown) => {
    if (!isNode(target)) return;
    if (target.typename === 'Symbol') into.add(String(target.value));
    for (const child of target.children ?? []) bind(child);
    if (target.typename === 'Pair') bind(target.key);
  };
  if (node.typename === 'Set') for (const target of node.targets as JinjaNode[]) bind(target);
  if (node.typename === 'For') bind(node.name);
  if (node.typename === 'Macro') {
    bind(node.name);
    bind(node.args);
  }
  for (const child of node.children ?? []) collectLocals(child, into);
  for (const field of node.fields) collectLocals(node[field], into);
}

const environment = new nunjucks.Environment(null, {
  autoescape: false,
  // dev keeps the original error as `cause`, so our own errors inside ref()/config() surface.
  dev: true,
  throwOnUndefined: true,
  trimBlocks: false,
  lstripBlocks: false,
});

/** An already checked template on the same environment, for reading its top-level macros. */
export function compileTemplate(source: string): nunjucks.Template {
  return new nunjucks.Template(source, environment);
}

/** Renders an already checked template with the given globals. */
export function renderTemplate(file: string, source: string, context: object): string {
  try {
    return environment.renderString(source, context);
  } catch (error) {
    if (error instanceof DbtRunnerError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof DbtRunnerError) throw cause;
    const message = (error as Error).message;
    const where = /\[Line (\d+), Column (\d+)\]/.exec(message);
    throw new JinjaError(
      file,
      Number(where?.[1] ?? 0),
      Number(where?.[2] ?? 0),
      'render',
      `rendering failed: ${message.replace(/^.*\n\s*/s, '')}`,
    );
  }
}

/** nunjucks passes `f(a, k=v)` as `f(a, {k: v, __keywords: true})`; split the two back apart. */
export function splitKeywordArgs(args: unknown[]): {
  positional: unknown[];
  keywords: Record<string, unknown>;
} {
  const last = args.at(-1);
  if (typeof last === 'object' && last !== null && '__keywords' in last) {
    const { __keywords: _, ...keywords } = last as Record<string, unknown>;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}
