#!/usr/bin/env node
/**
 * `generate <command> [flags]`: simulated traffic for the ad-tech OLTP database (the original
 * task's main.py in TypeScript). Connects through PG_URL or the standard PG* variables.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { describeError, EXIT_USAGE, exitCodeOf, UsageError } from '../extractors/core/errors.js';
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

const count = z.coerce.number().int().min(1).max(100_000_000);
const id = z.coerce.number().int().min(1);
const ratio = z.coerce.number().min(0).max(1);

const commands = {
  init: { help: 'create the schema (idempotent)', flags: {} },
  advertisers: { help: 'add --count advertisers', flags: { count } },
  campaigns: {
    help: 'add --count campaigns to --advertiser-id',
    flags: { 'advertiser-id': id, count },
  },
  impressions: {
    help: 'add --count impressions to --campaign-id, back-dated over the last 7 days',
    flags: { 'campaign-id': id, count },
  },
  clicks: {
    help: 'add clicks for --ratio of --campaign-id impressions, seconds after each',
    flags: { 'campaign-id': id, ratio },
  },
  batch: {
    help: 'add --advertisers, --campaigns per advertiser, --impressions per campaign, clicks at --ctr',
    flags: { advertisers: count, campaigns: count, impressions: count, ctr: ratio },
  },
  random: { help: 'one action picked at random (simulated traffic)', flags: {} },
  stats: { help: 'row counts and CTR', flags: {} },
  reset: { help: 'delete every row (requires --yes; never prompts)', flags: {} },
} as const;

type Command = keyof typeof commands;

function help(): string {
  const lines = ['generate <command> [flags] [--seed N]', '', 'Commands:'];
  for (const [name, command] of Object.entries(commands)) {
    const flags = Object.keys(command.flags).map((flag) => `--${flag} N`);
    lines.push(`  ${[name, ...flags].join(' ').padEnd(64)} ${command.help}`);
  }
  lines.push(
    '',
    'PostgreSQL from PG_URL or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE; with neither, the',
    'running local stack (npm run local -- up).',
    '',
  );
  return lines.join('\n');
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    out(help());
    return name === undefined ? EXIT_USAGE : 0;
  }
  let client: pg.Client | undefined;
  try {
    // Own keys only: `in` would also take `toString` and the like from the object prototype.
    if (!Object.hasOwn(commands, name)) {
      throw new UsageError(
        `unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`,
      );
    }
    const command = commands[name as Command];
    const options = Object.fromEntries(
      [...Object.keys(command.flags), 'seed'].map((flag) => [flag, { type: 'string' as const }]),
    );
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        args: [...rest],
        options: { ...options, yes: { type: 'boolean' }, help: { type: 'boolean' } },
        strict: true,
      }).values as Record<string, string | boolean | undefined>;
    } catch (error) {
      throw new UsageError(`generate ${name}: ${describeError(error)}`);
    }
    if (values.help) {
      out(help());
      return 0;
    }
    const flags = z
      .object({ ...command.flags, seed: z.coerce.number().int().optional() })
      .safeParse(values);
    if (!flags.success) {
      const issue = flags.error.issues[0];
      throw new UsageError(`generate ${name}: --${String(issue?.path[0])}: ${issue?.message}`);
    }
    if (name === 'reset' && values.yes !== true) {
      throw new UsageError('generate reset deletes every row; pass --yes to confirm');
    }
    const seed = flags.data.seed ?? Math.floor(Math.random() * 2 ** 31);
    const random = createRandom(seed);
    const f = flags.data as Record<string, number>;

    // Without PG_URL / PGHOST: the running local stack's PostgreSQL (npm run local -- up).
    client = new pg.Client(clientConfig(withLocalStack(env)));
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw translatePgError(error, 'generate: connecting to PostgreSQL');
    }
    const summary = await run(name as Command, client, random, f);
    out(`${summary} (seed ${seed})\n`);
    return 0;
  } catch (error) {
    const wrapped =
      error instanceof GeneratorInputError
        ? new UsageError(`generate ${name}: ${error.message}`)
        : error;
    err(`generate: ${describeError(wrapped)}\n`);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
