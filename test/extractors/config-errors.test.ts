/**
 * Configuration mistakes as a user makes them, through the `extract` CLI in-process: each is a
 * configuration error (exit 2, never retried by Airflow) that names the variable or file key at
 * fault in plain words, and never echoes a secret, not even a fragment of one.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { allFlags, parseFlags, parseSourceConfig } from '../../extractors/core/flags.js';
import { plainIssueMessages } from '../../extractors/core/issues.js';
import { redact } from '../../extractors/core/redact.js';
import { sources } from '../../extractors/sources.js';
import { runCli } from '../support/cli.js';
import { tempClickHousePath } from '../support/clickhouse.js';
import { writeAccountsFile } from './ad-platforms/support.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('postgres connection settings', () => {
  test('a PG_URL without :// is a configuration error naming PG_URL, not a DNS failure', async () => {
    const chPath = await tempClickHousePath();
    folders.push(chPath);
    const { code, stdout, stderr } = await runCli(['postgres'], {
      PG_URL: 'postgres//loader:pw-Secret9@db.example/adtech',
      CLICKHOUSE_PATH: chPath,
    });
    expect(code).toBe(2);
    expect(stdout).toMatch(/exit 2\n$/);
    expect(stderr).toContain(
      'PG_URL is not a valid connection string: it must start with postgresql:// or postgres://',
    );
    expect(stderr).not.toMatch(/ENOTFOUND|unreachable|getaddrinfo/);
    for (const fragment of ['pw-Secret9', 'Secret9', 'loader:pw']) {
      expect(stderr + stdout).not.toContain(fragment);
    }
  });
});

describe('a bad value names where it came from', () => {
  test('PG_BATCH_SIZE out of range names PG_BATCH_SIZE (and the flag it stands for)', async () => {
    const { code, stderr } = await runCli(['postgres'], {
      PG_URL: 'postgresql://loader@db.example/adtech',
      PG_BATCH_SIZE: '0',
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error: postgres: env PG_BATCH_SIZE for --batch-size: must be at least 1',
    );
  });

  test('--batch-size out of range names the flag, and the flag wins over the env variable', async () => {
    const { code, stderr } = await runCli(['postgres', '--batch-size', '0'], {
      PG_URL: 'postgresql://loader@db.example/adtech',
      PG_BATCH_SIZE: '500',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('error: postgres: --batch-size: must be at least 1');
    expect(stderr).not.toContain('PG_BATCH_SIZE');
  });

  test('parseSourceConfig names a default, an env variable or a flag, in zod-free words', () => {
    const contract = {
      source: 'demo',
      description: 'a contract for the parser alone',
      flags: {
        size: { type: 'integer', description: 'from env', env: 'DEMO_SIZE' },
        count: { type: 'integer', description: 'defaulted', default: 0 },
        name: { type: 'string', description: 'from the command line' },
      },
      secrets: [],
      tables: [],
    } as const;
    const schema = z.object({
      size: z.number().min(1, 'must be at least 1'),
      count: z.number().min(1, 'must be at least 1'),
      name: z.number(),
    });
    const { values, origins } = parseFlags(contract, ['--name', 'x'], { DEMO_SIZE: '0' });
    expect(() => parseSourceConfig(contract, schema, values, origins)).toThrow(
      'demo: env DEMO_SIZE for --size: must be at least 1; ' +
        'default of --count: must be at least 1; --name: expected a number, got a string',
    );
    // Without origins (older callers) the flag is named.
    expect(() => parseSourceConfig(contract, schema, values)).toThrow('--size: must be at least 1');
  });
});

describe('ad platform credentials', () => {
  const TOKEN = 'EAAB-pasted-token-0123456789abcdef';

  test('a credential that is not a variable name reads plainly and shows none of the secret', async () => {
    const accountsFile = await writeAccountsFile('config-errors-', [
      'facebook-ads:',
      '  number:',
      '    accounts: ["act_1"]',
      '    credentials: { access_token: 12345 }',
      '  missing:',
      '    accounts: ["act_1"]',
      '    credentials: {}',
      '  pasted:',
      '    accounts: ["act_1"]',
      `    credentials: { access_token: "${TOKEN}" }`,
    ]);
    const run = (group: string) =>
      runCli(['facebook-ads', '--group', group, '--accounts-file', accountsFile], {
        FACEBOOK_D1_ACCESS_TOKEN: TOKEN,
      });

    const number = await run('number');
    expect(number.code).toBe(2);
    expect(number.stderr).toContain(
      `error: facebook-ads: --accounts-file: ${accountsFile}: ` +
        '`facebook-ads.number.credentials.access_token`: expected a string, got a number\n',
    );
    expect(number.stderr).not.toContain('***');
    const viaEnv = await runCli(['facebook-ads', '--group', 'number'], {
      ADS_ACCOUNTS_FILE: accountsFile,
    });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain(
      `error: facebook-ads: env ADS_ACCOUNTS_FILE for --accounts-file: ${accountsFile}: `,
    );

    const missing = await run('missing');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      '`facebook-ads.missing.credentials.access_token`: missing (expected a string)',
    );

    const pasted = await run('pasted');
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toContain(
      '`facebook-ads.pasted.credentials.access_token`: must be the NAME of an environment variable',
    );
    for (const fragment of [TOKEN, 'pasted-token', '0123456789abcdef']) {
      expect(pasted.stderr + pasted.stdout).not.toContain(fragment);
    }
  });

  test('plain messages give the kind of a rejected value, never the value', () => {
    const result = z
      .object({ token: z.string() })
      .safeParse({ token: 4242 }, { error: plainIssueMessages });
    expect(result.error?.issues[0]?.message).toBe('expected a string, got a number');
  });

  test('no flag or env variable name, as errors name them, loses words to redaction', () => {
    for (const source of sources) {
      for (const [flag, spec] of Object.entries(allFlags(source.contract))) {
        const named = [`--${flag}: expected a string`, `default of --${flag}: expected a string`];
        if (spec.env) named.push(`env ${spec.env} for --${flag}: expected a string`);
        for (const text of named) expect(redact(text)).toBe(text);
      }
    }
    expect(redact('`google-ads.g1.credentials.developer_token`: expected a string')).toBe(
      '`google-ads.g1.credentials.developer_token`: expected a string',
    );
    // The key-value rule still masks what looks like a value.
    expect(redact('access_token: abc123 and password=hunter2')).toBe(
      'access_token: *** and password=***',
    );
  });
});
