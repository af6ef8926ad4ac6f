/**
 * Contract ↔ CLI agreement for every registered source: the flag parser is built from the
 * contract, and these tests check the result from the outside — every contract flag is
 * accepted with its type, a bad value names the flag or its env variable, an unknown flag exits
 * 2, both help screens list what the contracts say, and each contract is data the DAG compiler
 * reads statically (spreads and shared consts resolved) into the very object the CLI uses.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, Project, SyntaxKind } from 'ts-morph';
import { describe, expect, test } from 'vitest';
import { readContracts } from '../../codegen/contracts.js';
import type { FlagContract } from '../../extractors/core/contract.js';
import { UsageError } from '../../extractors/core/errors.js';
import { allFlags, parseFlags } from '../../extractors/core/flags.js';
import { sources } from '../../extractors/sources.js';
import { runCli } from '../support/cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const statically = readContracts(path.join(root, 'extractors'), root);

/** A valid command-line value for a flag and what the parser must turn it into. */
function sample(flag: FlagContract): { text: string; value: unknown } {
  switch (flag.type) {
    case 'string':
      return { text: 'some-value', value: 'some-value' };
    case 'integer':
      return { text: '42', value: 42 };
    case 'number':
      return { text: '2.5', value: 2.5 };
    case 'boolean':
      return { text: 'false', value: false };
    case 'date':
      return { text: '2026-01-31', value: '2026-01-31' };
    case 'list':
      return { text: 'a, b,c', value: ['a', 'b', 'c'] };
    case 'enum':
      return { text: flag.values?.at(-1) ?? '', value: flag.values?.at(-1) };
  }
}

const BAD: Partial<Record<FlagContract['type'], string>> = {
  integer: '4.5',
  number: 'abc',
  boolean: 'maybe',
  date: '2026-02-30',
  enum: 'not-a-choice',
};

test('`extract --help` lists every registered source', async () => {
  const { code, stdout } = await runCli(['--help']);
  expect(code).toBe(0);
  for (const source of sources) expect(stdout).toContain(`  ${source.contract.source} `);
});

test('an unknown source exits 2 and names the available ones', async () => {
  const { code, stderr } = await runCli(['nope']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/unknown source "nope"; available: postgres/);
});

describe.each(sources.map((s) => [s.contract.source, s] as const))('source %s', (name, source) => {
  const flags = Object.entries(allFlags(source.contract));
  /** Values for the required flags, so that one flag at a time can be checked. */
  const required = (except: string) =>
    flags
      .filter(([flag, spec]) => spec.required && flag !== except)
      .flatMap(([flag, spec]) => [`--${flag}`, sample(spec).text]);

  test.each(flags)(
    '--%s is accepted with its type, as a flag and from its env variable',
    (flag, spec) => {
      const { text, value } = sample(spec);
      const others = required(flag);
      const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
        parseFlags(source.contract, [...others, ...argv], env).values[flag];
      expect(parse([`--${flag}`, text])).toEqual(value);
      expect(parse([`--${flag}=${text}`])).toEqual(value);
      if (spec.env) expect(parse([], { [spec.env]: text })).toEqual(value);
    },
  );

  test.each(flags.filter(([, spec]) => BAD[spec.type] !== undefined))(
    'a bad --%s names the flag (and the env variable)',
    (flag, spec) => {
      const bad = BAD[spec.type] as string;
      const others = required(flag);
      expect(() => parseFlags(source.contract, [...others, `--${flag}`, bad], {})).toThrow(
        new RegExp(`--${flag} .*got "${bad}"`),
      );
      if (spec.env) {
        expect(() => parseFlags(source.contract, others, { [spec.env as string]: bad })).toThrow(
          new RegExp(`env ${spec.env} \\(for --${flag}\\)`),
        );
      }
    },
  );

  test('an unknown flag exits 2 with a message naming it', async () => {
    expect(() => parseFlags(source.contract, ['--definitely-not-a-flag', '1'], {})).toThrow(
      UsageError,
    );
    const { code, stderr } = await runCli([name, ...required(''), '--definitely-not-a-flag', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag --definitely-not-a-flag');
  });

  test('`extract <source> --help` lists every flag, secret and table of the contract', async () => {
    const { code, stdout } = await runCli([name, '--help']);
    expect(code).toBe(0);
    for (const [flag] of flags) expect(stdout).toContain(`--${flag} <`);
    for (const secret of source.contract.secrets) expect(stdout).toContain(secret.env);
    for (const table of source.contract.tables) expect(stdout).toContain(table.table);
  });

  test("its contract.ts is data the compiler reads statically: no calls, equal to the CLI's", () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true });
    const file = project.addSourceFileAtPath(path.join(root, 'extractors', name, 'contract.ts'));
    const declaration = file.getVariableDeclarationOrThrow('contract');
    const initializer = declaration.getInitializerOrThrow();
    const literal = initializer.getFirstDescendantByKindOrThrow(SyntaxKind.ObjectLiteralExpression);
    const offending = literal
      .getDescendants()
      .filter((node) => Node.isCallExpression(node) || Node.isNewExpression(node))
      .map((node) => node.getText());
    expect(offending).toEqual([]);
    // Spreads and references to shared consts are allowed: the compiler resolves them, and its
    // reading must be exactly the object the CLI parses flags with.
    expect(statically.diagnostics).toEqual([]);
    expect(statically.contracts.sources.get(name)?.contract).toEqual(source.contract);
    expect(source.contract.source).toBe(name);
  });

  test('the registry entry and the loaded source share one contract object', async () => {
    expect((await source.load()).contract).toBe(source.contract);
  });
});

describe('flag parser rules no registered contract exercises', () => {
  const contract = {
    source: 'demo',
    description: 'a contract for the parser alone',
    flags: {
      dry: { type: 'boolean', description: 'a switch', default: true },
      day: { type: 'date', description: 'required', env: 'DEMO_DAY', required: true },
      ids: { type: 'list', description: 'a list default', default: '1, 2' },
    },
    secrets: [],
    tables: [],
  } as const;

  test('a bare boolean is true, --no-<flag> false; a list default is parsed like a value', () => {
    expect(parseFlags(contract, ['--day', '2026-01-31'], {}).values).toMatchObject({
      dry: true,
      ids: ['1', '2'],
    });
    expect(parseFlags(contract, ['--dry', '--day', '2026-01-31'], {}).values.dry).toBe(true);
    expect(parseFlags(contract, ['--no-dry', '--day', '2026-01-31'], {}).values.dry).toBe(false);
  });

  test('a flag given twice, a missing required flag and a stray argument exit 2', () => {
    expect(() => parseFlags(contract, ['--day', '2026-01-31', '--day=2026-02-01'], {})).toThrow(
      /--day given twice/,
    );
    expect(() => parseFlags(contract, [], {})).toThrow(/--day is required \(or set DEMO_DAY\)/);
    expect(() => parseFlags(contract, ['2026-01-31'], {})).toThrow(/unexpected argument/);
    // Names of the object prototype are no flags either.
    for (const name of ['toString', 'constructor', '__proto__']) {
      expect(() => parseFlags(contract, ['--day', '2026-01-31', `--${name}`, 'x'], {})).toThrow(
        `unknown flag --${name}`,
      );
    }
    // --help still shows the flags when the rest of the command line is incomplete.
    expect(parseFlags(contract, ['--help'], {}).help).toBe(true);
  });
});
