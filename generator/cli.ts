#!/usr/bin/env node
/**
 * `generate <command> [flags]`: simulated traffic for the ad-tech OLTP database (the original
 * task's main.py in TypeScript). Connects through PG_URL or the standard PG* variables.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error (cli/run.ts). Flags a command needs and does
 * not get take the default its help shows, or are named as required.
 */
import pg from 'pg';
import { parseCommandLine, parseIntegerFlag, parseNumberFlag, wantsHelp } from '../cli/args.js';
import {
  EXIT_OK,
  EXIT_USAGE,
  errorLine,
  exitCodeOf,
  isMainModule,
  UsageError,
} from '../cli/run.js';
import { describeError } from '../extractors/core/errors.js';
import { withLocalStack } from '../extractors/core/local-stack.js';
import { clientConfig, translatePgError } from '../extractors/postgres/client.js';
import {
  addAdvertisers,
  addCampaigns,
  addClicks,
  addImpressions,
  batch,
  GeneratorInputError,
  init,
  randomAction,
  reset,
  stats,
} from './actions.js';
import { createRandom } from './random.js';

/** One numeric flag: how its value is read, and its default (none: the flag is required). */
interface NumberFlag {
  read: (flag: string, value: string) => number;
  default?: number;
}

const count = (fallback?: number): NumberFlag => ({
  read: (flag, value) => parseIntegerFlag(flag, value, { min: 1, max: 100_000_000 }),
  default: fallback,
});
const id: NumberFlag = { read: (flag, value) => parseIntegerFlag(flag, value, { min: 1 }) };
const ratio = (fallback: number): NumberFlag => ({
  read: (flag, value) => parseNumberFlag(flag, value, { min: 0, max: 1 }),
  default: fallback,
});

const commands: Record<string, { help: string; flags: Record<string, NumberFlag> }> = {
  init: { help: 'create the schema (idempotent)', flags: {} },
  advertisers: { help: 'add --count advertisers', flags: { count: count(1) } },
  campaigns: {
    help: 'add --count campaigns to --advertiser-id',
    flags: { 'advertiser-id': id, count: count(1) },
  },
  impressions: {
    help: 'add --count impressions to --campaign-id, back-dated over the last 7 days',
    flags: { 'campaign-id': id, count: count(100) },
  },
  clicks: {
    help: 'add clicks for --ratio of --campaign-id impressions, seconds after each',
    flags: { 'campaign-id': id, ratio: ratio(0.05) },
  },
  batch: {
    help: 'add --advertisers, --campaigns per advertiser, --impressions per campaign, clicks at --ctr',
    flags: {
      advertisers: count(1),
      campaigns: count(3),
      impressions: count(1000),
      ctr: ratio(0.05),
    },
  },
  random: { help: 'one action picked at random (simulated traffic)', flags: {} },
  stats: { help: 'row counts and CTR', flags: {} },
  reset: { help: 'delete every row (requires --yes; never prompts)', flags: {} },
};

type Command =
  | 'init'
  | 'advertisers'
  | 'campaigns'
  | 'impressions'
  | 'clicks'
  | 'batch'
  | 'random'
  | 'stats'
  | 'reset';

function help(): string {
  const lines = ['generate <command> [flags] [--seed N]', '', 'Commands:'];
  for (const [name, command] of Object.entries(commands)) {
    const flags = Object.entries(command.flags).map(([flag, spec]) =>
      spec.default === undefined ? `--${flag} N` : `[--${flag} N=${spec.default}]`,
    );
    lines.push(`  ${[name, ...flags].join(' ').padEnd(72)} ${command.help}`);
  }
  lines.push(
    '',
    'Flags shown without a default are required.',
    'PostgreSQL from PG_URL or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE; with neither, the',
    'running local stack (npm run local -- up).',
    'Exit codes: 0 ok, 1 runtime failure, 2 usage.',
    '',
  );
  return lines.join('\n');
}

/** The command's numeric flags: given values checked, missing ones defaulted or named. */
function readFlags(
  name: string,
  specs: Record<string, NumberFlag>,
  values: Record<string, unknown>,
): Record<string, number> {
  const read: Record<string, number> = {};
  const missing: string[] = [];
  for (const [flag, spec] of Object.entries(specs)) {
    const value = values[flag];
    if (typeof value === 'string') read[flag] = spec.read(`--${flag}`, value);
    else if (spec.default !== undefined) read[flag] = spec.default;
    else missing.push(`--${flag}`);
  }
  if (missing.length > 0) throw new UsageError(`${name} needs ${missing.join(' and ')}`);
  return read;
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || wantsHelp(argv)) {
    out(help());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  let client: pg.Client | undefined;
  try {
    // Own keys only: `in` would also take `toString` and the like from the object prototype.
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (command === undefined) {
      throw new UsageError(
        `unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`,
      );
    }
    const options = Object.fromEntries(
      [...Object.keys(command.flags), 'seed'].map((flag) => [flag, { type: 'string' as const }]),
    );
    // The options are built per command, so their names are not known to the type checker.
    const values = parseCommandLine({
      args: [...rest],
      options: { ...options, yes: { type: 'boolean' }, help: { type: 'boolean' } },
    }).values as Record<string, string | boolean | undefined>;
    const f = readFlags(name, command.flags, values);
    if (name === 'reset' && values.yes !== true) {
      throw new UsageError('reset deletes every row; pass --yes to confirm');
    }
    const seed =
      typeof values.seed === 'string'
        ? parseIntegerFlag('--seed', values.seed)
        : Math.floor(Math.random() * 2 ** 31);
    const random = createRandom(seed);

    // Without PG_URL / PGHOST: the running local stack's PostgreSQL (npm run local -- up).
    client = new pg.Client(clientConfig(withLocalStack(env)));
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw translatePgError(error, 'connecting to PostgreSQL');
    }
    const summary = await run(name as Command, client, random, f);
    out(`${summary} (seed ${seed})\n`);
    return EXIT_OK;
  } catch (error) {
    const wrapped =
      error instanceof GeneratorInputError ? new UsageError(`${name}: ${error.message}`) : error;
    // Redacted: a connection error may carry the URL's password.
    err(`${errorLine('generate', describeError(wrapped))}\n`);
    return exitCodeOf(wrapped);
  } finally {
    await client?.end().catch(() => {});
  }
}

async function run(
  name: Command,
  client: pg.Client,
  random: ReturnType<typeof createRandom>,
  f: Record<string, number>,
): Promise<string> {
  const n = (key: string) => f[key] as number;
  switch (name) {
    case 'init':
      await init(client);
      return 'schema ready';
    case 'advertisers':
      return `added advertisers ${(await addAdvertisers(client, random, n('count'))).join(', ')}`;
    case 'campaigns':
      return `added campaigns ${(await addCampaigns(client, random, [n('advertiser-id')], n('count'))).join(', ')}`;
    case 'impressions':
      return `added ${await addImpressions(client, random, [n('campaign-id')], n('count'))} impressions`;
    case 'clicks':
      return `added ${await addClicks(client, random, { campaignId: n('campaign-id') }, n('ratio'))} clicks`;
    case 'batch': {
      const result = await batch(client, random, {
        advertisers: n('advertisers'),
        campaigns: n('campaigns'),
        impressions: n('impressions'),
        ctr: n('ctr'),
      });
      return `added ${result.advertisers} advertisers, ${result.campaigns} campaigns, ${result.impressions} impressions, ${result.clicks} clicks`;
    }
    case 'random':
      return randomAction(client, random);
    case 'stats':
      return JSON.stringify(await stats(client));
    case 'reset':
      await reset(client);
      return 'deleted every row';
  }
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
