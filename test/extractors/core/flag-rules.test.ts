/**
 * The one set of flag value rules: what the DAG compiler accepts in a spec is what the extractor
 * CLI then parses (the generated command passes the value as text), and the module stays free of
 * extractor runtime so the compiler can import it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlagContract } from '../../../extractors/core/contract.js';
import {
  flagArgText,
  flagSchema,
  flagTextProblem,
  specFlagValueProblem,
} from '../../../extractors/core/flag-rules.js';
import { repoRoot } from '../../codegen/helpers.js';

const flag = (type: FlagContract['type'], values?: string[]): FlagContract => ({
  type,
  description: type,
  ...(values === undefined ? {} : { values }),
});

const samples: unknown[] = [
  '',
  ' ',
  'x',
  'a,b',
  ' , ',
  '7',
  '-3',
  '1.5',
  '1e3',
  '99999999999999999999',
  '2026-02-28',
  '2026-02-30',
  '2026-13-45',
  'd1',
  'true',
  'no',
  7,
  1.5,
  0,
  true,
  false,
  [],
  ['a'],
  ['a', 'b'],
  [''],
];

const flags = [
  flag('string'),
  flag('integer'),
  flag('number'),
  flag('boolean'),
  flag('date'),
  flag('list'),
  flag('enum', ['d1', 'd2']),
];

describe('flag rules', () => {
  it.each(flags.map((f) => [f.type, f] as const))(
    '%s: every spec value the compiler accepts, the CLI parses',
    (_, rule) => {
      for (const value of samples) {
        if (specFlagValueProblem(rule, value) !== null) continue;
        const text = flagArgText(value);
        expect(flagTextProblem(rule, text), `${JSON.stringify(value)} as ${rule.type}`).toBeNull();
        expect(flagSchema(rule).safeParse(text).success).toBe(true);
      }
    },
  );

  it('rejects what the CLI would reject, with the CLI words', () => {
    expect(flagTextProblem(flag('string'), '')).toBe('must not be empty');
    expect(flagTextProblem(flag('integer'), '1.5')).toBe('must be an integer');
    expect(flagTextProblem(flag('integer'), '99999999999999999999')).toBe(
      'is too large for an integer',
    );
    expect(flagTextProblem(flag('number'), '1e3')).toBe('must be a number');
    expect(flagTextProblem(flag('boolean'), 'no')).toBe('must be true or false');
    expect(flagTextProblem(flag('date'), '2026-2-1')).toBe('must be a date YYYY-MM-DD');
    expect(flagTextProblem(flag('date'), '2026-02-30')).toBe('is not a valid calendar date');
    // Out of range month and day: a problem, not a thrown "Invalid time value".
    expect(flagTextProblem(flag('date'), '2026-13-45')).toBe('is not a valid calendar date');
    expect(flagTextProblem(flag('list'), ' , ')).toBe('must list at least one value');
    expect(flagTextProblem(flag('enum', ['d1', 'd2']), 'd9')).toBe('must be one of: d1, d2');
  });

  it('parses text into typed values', () => {
    expect(flagSchema(flag('integer')).parse('7')).toBe(7);
    expect(flagSchema(flag('number')).parse('1.5')).toBe(1.5);
    expect(flagSchema(flag('boolean')).parse('0')).toBe(false);
    expect(flagSchema(flag('list')).parse(' a, ,b ')).toEqual(['a', 'b']);
    expect(flagSchema(flag('date')).parse('2024-02-29')).toBe('2024-02-29');
  });

  it('spec values: YAML types first, then the text rule', () => {
    expect(specFlagValueProblem(flag('boolean'), 'true')).toEqual({
      kind: 'type',
      expected: 'true or false',
    });
    expect(specFlagValueProblem(flag('integer'), ['7'])).toEqual({
      kind: 'type',
      expected: 'an integer',
    });
    expect(specFlagValueProblem(flag('string'), '')).toEqual({
      kind: 'type',
      expected: 'a non-empty string',
    });
    expect(specFlagValueProblem(flag('list'), [])).toEqual({ kind: 'empty-list' });
    expect(specFlagValueProblem(flag('enum', ['d1']), 'd9')).toEqual({
      kind: 'enum',
      text: 'd9',
      allowed: ['d1'],
    });
    expect(specFlagValueProblem(flag('list'), ['a', 'b'])).toBeNull();
  });

  it('imports nothing but zod, the contract types and the import-free dates, so the compiler can use it', () => {
    const importsOf = (file: string) =>
      [
        ...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(
          /^import (type )?.* from '([^']+)';$/gm,
        ),
      ].map((match) => `${match[1] ?? ''}${match[2]}`);
    expect(importsOf('extractors/core/flag-rules.ts')).toEqual([
      'zod',
      'type ./contract.js',
      './dates.js',
    ]);
    expect(importsOf('extractors/core/dates.ts')).toEqual([]);
  });
});
