import type { z } from 'zod';
import { commonFlags } from './common-flags.js';
import type { FlagContract, SourceContract } from './contract.js';
import { UsageError } from './errors.js';
import { type FlagValue, flagSchema } from './flag-rules.js';
import { plainIssueMessages } from './issues.js';

/**
 * The `extract <source>` flag parser, built from the source's contract plus the common flags, so
 * the CLI accepts exactly what the contract publishes to the DAG compiler. Each value comes from
 * `--flag value` / `--flag=value`, else the flag's env variable, else its default, and is
 * validated by the flag rules the compiler also checks specs with (./flag-rules.ts); an error
 * names the flag or the env variable it came from.
 */

export { type FlagValue, flagSchema } from './flag-rules.js';
export type FlagValues = Record<string, FlagValue | undefined>;

/** Contract flags plus the common ones (`--run-id`, `--log-level`). */
export function allFlags(contract: SourceContract): Readonly<Record<string, FlagContract>> {
  return { ...commonFlags, ...contract.flags };
}

/** The flag called `name`; a plain index would also find `toString` and the like on the object
 *  prototype and accept `--toString x` silently. */
function ownFlag(
  flags: Readonly<Record<string, FlagContract>>,
  name: string,
): FlagContract | undefined {
  return Object.hasOwn(flags, name) ? flags[name] : undefined;
}

/** Where a flag's value came from: the command line, the flag's env variable, or its default. */
export type FlagOrigin =
  | { readonly from: 'argv' }
  | { readonly from: 'env'; readonly env: string }
  | { readonly from: 'default' };

export type FlagOrigins = Readonly<Record<string, FlagOrigin>>;

/**
 * The flag as a config problem names it, ending in the flag so the problem reads `… --flag: …`:
 * `--batch-size`, `env PG_BATCH_SIZE for --batch-size`, `default of --batch-size`.
 */
function flagFrom(name: string, origin: FlagOrigin | undefined): string {
  if (origin?.from === 'env') return `env ${origin.env} for --${name}`;
  if (origin?.from === 'default') return `default of --${name}`;
  return `--${name}`;
}

export interface ParsedFlags {
  values: FlagValues;
  origins: FlagOrigins;
  help: boolean;
}

export function parseFlags(
  contract: SourceContract,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedFlags {
  const flags = allFlags(contract);
  const raw = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new UsageError(
        `${contract.source}: unexpected argument "${arg}" (flags start with --)`,
      );
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let flag = ownFlag(flags, name);
    if (
      !flag &&
      name.startsWith('no-') &&
      ownFlag(flags, name.slice(3))?.type === 'boolean' &&
      value === undefined
    ) {
      name = name.slice(3);
      flag = ownFlag(flags, name);
      value = 'false';
    }
    if (!flag) {
      throw new UsageError(
        `${contract.source}: unknown flag --${name}; run \`extract ${contract.source} --help\` for the list`,
      );
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (flag.type === 'boolean' && (next === undefined || next.startsWith('--'))) {
        value = 'true';
      } else if (next === undefined) {
        throw new UsageError(`${contract.source}: --${name} needs a value`);
      } else {
        value = next;
        i += 1;
      }
    }
    if (raw.has(name)) throw new UsageError(`${contract.source}: --${name} given twice`);
    raw.set(name, value);
  }

  const values: FlagValues = {};
  const origins: Record<string, FlagOrigin> = {};
  const problems: string[] = [];
  for (const [name, flag] of Object.entries(flags)) {
    let origin: FlagOrigin = { from: 'argv' };
    let label = `--${name}`;
    let text = raw.get(name);
    if (text === undefined && flag.env && env[flag.env] !== undefined && env[flag.env] !== '') {
      text = env[flag.env];
      origin = { from: 'env', env: flag.env };
      label = `env ${flag.env} (for --${name})`;
    }
    if (text === undefined && flag.default !== undefined) {
      // Defaults go through the same schema, so a list default becomes a list.
      text = String(flag.default);
      origin = { from: 'default' };
      label = `default of --${name}`;
    }
    if (text === undefined) {
      if (flag.required) {
        problems.push(`--${name} is required${flag.env ? ` (or set ${flag.env})` : ''}`);
      }
      continue;
    }
    origins[name] = origin;
    const result = flagSchema(flag).safeParse(text);
    if (result.success) values[name] = result.data;
    else
      problems.push(`${label} ${result.error.issues[0]?.message ?? 'is invalid'} (got "${text}")`);
  }
  if (problems.length > 0 && !help) {
    throw new UsageError(`${contract.source}: ${problems.join('; ')}`);
  }
  return { values, origins, help };
}

/**
 * Validates the flag values into the source's own config type. A zod issue's path names the
 * flag it concerns (the config schema takes the kebab-case flag record as input); `origins`
 * (from parseFlags) names the env variable a value came from, so `PG_BATCH_SIZE=0` is reported
 * against PG_BATCH_SIZE, not only against a --batch-size nobody typed.
 */
export function parseSourceConfig<Config>(
  contract: SourceContract,
  schema: z.ZodType<Config>,
  values: FlagValues,
  origins: FlagOrigins = {},
): Config {
  const result = schema.safeParse(values, { error: plainIssueMessages });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const flag = issue.path[0];
    if (typeof flag !== 'string') return issue.message;
    return `${flagFrom(flag, Object.hasOwn(origins, flag) ? origins[flag] : undefined)}: ${issue.message}`;
  });
  throw new UsageError(`${contract.source}: ${problems.join('; ')}`);
}

export function sourceHelp(contract: SourceContract): string {
  const lines = [`extract ${contract.source} [flags]`, '', contract.description, '', 'Flags:'];
  for (const [name, flag] of Object.entries(allFlags(contract))) {
    const kind = flag.type === 'enum' ? (flag.values ?? []).join('|') : flag.type;
    const extras = [
      flag.required ? 'required' : undefined,
      flag.default !== undefined ? `default ${String(flag.default)}` : undefined,
      flag.env ? `env ${flag.env}` : undefined,
    ].filter(Boolean);
    lines.push(`  --${name} <${kind}>${extras.length ? `  (${extras.join(', ')})` : ''}`);
    lines.push(`      ${flag.description}`);
  }
  if (contract.secrets.length > 0) {
    lines.push('', 'Secrets (environment only):');
    for (const secret of contract.secrets) {
      lines.push(`  ${secret.env}${secret.required ? ' (required)' : ''}: ${secret.description}`);
    }
  }
  lines.push('', 'Writes:');
  for (const table of contract.tables) lines.push(`  ${table.table}: ${table.description}`);
  return `${lines.join('\n')}\n`;
}
