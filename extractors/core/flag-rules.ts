/**
 * What a flag value must look like, by contract type: the one rule set behind both the extractor
 * CLI's flag parser (extractors/core/flags.ts) and the DAG compiler's E017 check of spec values
 * (codegen/checks/flags.ts). Pure on purpose: it imports only zod, the contract types and the
 * import-free date helpers, so the compiler can use it without loading extractor runtime or SDKs.
 */
import { z } from 'zod';
import type { FlagContract } from './contract.js';
import { isCalendarDay } from './dates.js';

export type FlagValue = string | number | boolean | readonly string[];

/** The part of a flag's contract its value rules depend on. */
export type FlagRule = Pick<FlagContract, 'type' | 'values'>;

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
};

/** The items of a comma-separated list value, trimmed, empty ones dropped. */
export function listItems(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Why `text`, as the extractor's command line receives it, is not a value of the flag, or null.
 * The messages are the CLI's ("--lookback-days must be an integer").
 */
export function flagTextProblem(flag: FlagRule, text: string): string | null {
  switch (flag.type) {
    case 'string':
      return text === '' ? 'must not be empty' : null;
    case 'integer':
      if (!INTEGER.test(text)) return 'must be an integer';
      return Number.isSafeInteger(Number(text)) ? null : 'is too large for an integer';
    case 'number':
      return NUMBER.test(text) ? null : 'must be a number';
    case 'boolean':
      return Object.hasOwn(BOOLEAN_TEXT, text) ? null : 'must be true or false';
    case 'date':
      if (!DATE.test(text)) return 'must be a date YYYY-MM-DD';
      return isCalendarDay(text) ? null : 'is not a valid calendar date';
    case 'list':
      return listItems(text).length > 0 ? null : 'must list at least one value';
    case 'enum': {
      const allowed = flag.values ?? [];
      return allowed.includes(text) ? null : `must be one of: ${allowed.join(', ')}`;
    }
  }
}

/** The typed value of a text that `flagTextProblem` accepts. */
export function flagTextValue(flag: FlagRule, text: string): FlagValue {
  switch (flag.type) {
    case 'integer':
    case 'number':
      return Number(text);
    case 'boolean':
      return BOOLEAN_TEXT[text] === true;
    case 'list':
      return listItems(text);
    default:
      return text;
  }
}

/** The CLI's parser for one flag: the rules above as a zod schema over the flag's text. */
export function flagSchema(flag: FlagRule): z.ZodType<FlagValue, string> {
  return z
    .string()
    .superRefine((text, context) => {
      const problem = flagTextProblem(flag, text);
      if (problem !== null) context.addIssue({ code: 'custom', message: problem });
    })
    .transform((text) => flagTextValue(flag, text));
}

/** The text a DAG spec's flag value becomes on the generated command line: lists comma-joined. */
export function flagArgText(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Why a spec's flag value does not fit, as data: the compiler words it (E017). */
export type SpecFlagProblem =
  | { kind: 'type'; expected: string }
  | { kind: 'enum'; text: string; allowed: readonly string[] }
  | { kind: 'empty-list' };

/**
 * Checks a value as written in a DAG spec (YAML: string, number, boolean or list) against the
 * flag. The YAML type comes first (a boolean flag takes true or false, not the string "no"; only
 * a list flag takes a list); then the text the generated command passes must satisfy the CLI's
 * rule above, so the compiler accepts exactly what the extractor will.
 */
export function specFlagValueProblem(flag: FlagRule, value: unknown): SpecFlagProblem | null {
  const text = flagArgText(value);
  const scalar = !Array.isArray(value);
  const fits = flagTextProblem(flag, text) === null;
  const expected = (what: string): SpecFlagProblem => ({ kind: 'type', expected: what });
  switch (flag.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : expected('true or false');
    case 'integer':
      return scalar && fits ? null : expected('an integer');
    case 'number':
      return scalar && fits ? null : expected('a number');
    case 'date':
      return typeof value === 'string' && fits ? null : expected('a date YYYY-MM-DD');
    case 'enum':
      return scalar && fits ? null : { kind: 'enum', text, allowed: flag.values ?? [] };
    case 'list':
      if (typeof value !== 'string' && scalar) return expected('a list or comma-separated string');
      return fits ? null : { kind: 'empty-list' };
    case 'string':
      if (typeof value !== 'string' && typeof value !== 'number') return expected('a string');
      return fits ? null : expected('a non-empty string');
  }
}
