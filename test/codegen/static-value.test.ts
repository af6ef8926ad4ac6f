/**
 * The static evaluator behind the contract reader: what it resolves (spreads, shorthand,
 * property reads, `const`s of other files through imports, re-exports and namespaces) and the
 * diagnostic it gives where it cannot (the node, its file and the property path).
 */
import { Project, ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { evaluateStatic, StaticValueError } from '../../codegen/static-value.js';

/** Evaluates `export const value = …` of main.ts among in-memory files. */
function evaluateIn(files: Record<string, string>): unknown {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: {
      noLib: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
  });
  for (const [name, text] of Object.entries(files)) project.createSourceFile(`/src/${name}`, text);
  const main = project.getSourceFileOrThrow('/src/main.ts');
  return evaluateStatic(main.getVariableDeclarationOrThrow('value').getInitializerOrThrow());
}

/** The failure as `file:line:col path: message`. */
function failure(files: Record<string, string>): string {
  try {
    evaluateIn(files);
  } catch (error) {
    if (!(error instanceof StaticValueError)) throw error;
    const file = error.node.getSourceFile();
    const { line, column } = file.getLineAndColumnAtPos(error.node.getStart());
    return `${file.getBaseName()}:${line}:${column} ${error.propertyPath}: ${error.message}`;
  }
  throw new Error('expected a StaticValueError');
}

describe('evaluateStatic resolves', () => {
  it('literals, negative numbers and `as const` / `satisfies` wrappers', () => {
    expect(
      evaluateIn({
        'main.ts': "export const value = { a: 'x', b: -2, c: [true, false], d: `t` } as const;",
      }),
    ).toEqual({ a: 'x', b: -2, c: [true, false], d: 't' });
  });

  it('object spreads with later keys winning, array spreads, shorthand and property reads', () => {
    const main = [
      "const base = { a: 1, b: { deep: 'yes' } } as const;",
      'const list = [1, 2] as const;',
      "const c = 'see';",
      "export const value = { ...base, a: 3, c, d: base.b, e: base['b'].deep, f: [...list, 3], g: list[1] };",
    ].join('\n');
    expect(evaluateIn({ 'main.ts': main })).toEqual({
      a: 3,
      b: { deep: 'yes' },
      c: 'see',
      d: { deep: 'yes' },
      e: 'yes',
      f: [1, 2, 3],
      g: 2,
    });
  });

  it('consts of other files: named and renamed imports, re-exports and namespace imports', () => {
    const files = {
      'flags.ts': "export const shared = { since: { type: 'date' } } as const;",
      'index.ts': "export { shared as renamed } from './flags.js';",
      'main.ts': [
        "import { renamed as local } from './index.js';",
        "import * as ns from './flags.js';",
        'export const value = { ...local, other: ns.shared.since };',
      ].join('\n'),
    };
    expect(evaluateIn(files)).toEqual({ since: { type: 'date' }, other: { type: 'date' } });
  });
});

describe('evaluateStatic reports, at the node and with the property path', () => {
  it('a call, in the file where it stands', () => {
    expect(
      failure({
        'flags.ts': 'export const shared = { x: { description: String(1) } };',
        'main.ts': "import { shared } from './flags.js';\nexport const value = { f: shared };",
      }),
    ).toBe('flags.ts:1:43 f.x.description: CallExpression `String(1)` is not a literal');
  });

  it('a name the imported module does not export', () => {
    expect(
      failure({
        'flags.ts': 'export const shared = {};',
        'main.ts': "import { nope } from './flags.js';\nexport const value = { ...nope };",
      }),
    ).toBe(
      "main.ts:2:27 : `nope` cannot be resolved: './flags.js' does not export it, or is not found",
    );
  });

  it('a `let`, a function, an undeclared name and a self-reference', () => {
    expect(failure({ 'main.ts': 'let a = { x: 1 };\nexport const value = { a };' })).toBe(
      'main.ts:2:24 a: `a` is declared with `let`; only a `const` can be read statically',
    );
    expect(failure({ 'main.ts': 'function f() {}\nexport const value = { g: f };' })).toBe(
      'main.ts:2:27 g: `f` is a FunctionDeclaration, not a const holding a literal',
    );
    expect(failure({ 'main.ts': 'export const value = { g: nowhere };' })).toBe(
      'main.ts:1:27 g: `nowhere` is not declared',
    );
    expect(failure({ 'main.ts': 'export const value: object = { ...value };' })).toBe(
      'main.ts:1:35 : `value` refers to itself',
    );
  });

  it('spreading a non-object, a missing property and a computed key', () => {
    expect(failure({ 'main.ts': "const s = 'text';\nexport const value = { ...s };" })).toBe(
      'main.ts:2:24 : `...s` does not spread an object',
    );
    expect(
      failure({ 'main.ts': 'const s = { a: 1 };\nexport const value = { b: s.missing };' }),
    ).toBe('main.ts:2:27 b: `s.missing` has no value');
    expect(failure({ 'main.ts': "const k = 'a';\nexport const value = { [k]: 1 };" })).toBe(
      'main.ts:2:24 : computed key [k] is not allowed',
    );
  });
});
