/**
 * Zod schemas for flag values as a source's config schema receives them (already parsed by
 * flags.ts: integers are numbers, lists arrays), derived from the contract's flag declarations so
 * that type, presence and bounds are written once, in the contract.
 */
import { z } from 'zod';
import type { FlagContract } from './contract.js';

type ParsedValue<Flag extends FlagContract> = Flag['type'] extends 'integer' | 'number'
  ? number
  : Flag['type'] extends 'boolean'
    ? boolean
    : Flag['type'] extends 'list'
      ? string[]
      : Flag['values'] extends readonly (infer Value)[]
        ? Value
        : string;

/** A flag that is required or has a default always reaches the config; others may be absent. */
type GivenValue<Flag extends FlagContract> = Flag extends { readonly required: true }
  ? ParsedValue<Flag>
  : Flag extends { readonly default: unknown }
    ? ParsedValue<Flag>
    : ParsedValue<Flag> | undefined;

export type FlagConfigShape<Flags extends Readonly<Record<string, FlagContract>>> = {
  [Name in keyof Flags]: z.ZodType<GivenValue<Flags[Name]>>;
};

/** The zod shape for a record of flags (kebab-case keys, as the config schema's input). */
export function flagConfigShape<const Flags extends Readonly<Record<string, FlagContract>>>(
  flags: Flags,
): FlagConfigShape<Flags> {
  const shape = Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [name, flagConfigSchema(flag)]),
  );
  // Object.fromEntries forgets the keys; flagConfigSchema builds each value to the mapped type.
  return shape as FlagConfigShape<Flags>;
}

export function flagConfigSchema(flag: FlagContract): z.ZodType {
  const value = valueSchema(flag);
  return flag.required || flag.default !== undefined ? value : value.optional();
}

function valueSchema(flag: FlagContract): z.ZodType {
  switch (flag.type) {
    case 'integer':
    case 'number': {
      let schema = flag.type === 'integer' ? z.number().int() : z.number();
      if (flag.minimum !== undefined) schema = schema.min(flag.minimum);
      if (flag.maximum !== undefined) schema = schema.max(flag.maximum);
      return schema;
    }
    case 'boolean':
      return z.boolean();
    case 'list':
      return z.array(z.string());
    case 'enum':
      return z.enum((flag.values ?? []) as [string, ...string[]]);
    case 'string':
    case 'date': {
      const schema = flag.format === 'url' ? z.string().url() : z.string();
      return flag.required ? schema.min(1) : schema;
    }
  }
}
