/**
 * The accounts file and the flags every ad source shares: each problem is located (file, path
 * inside it, flag), and credential values are known to the redactor before anything can log them.
 */
import { describe, expect, it } from 'vitest';
import {
  readAccountGroup,
  resolveCredentials,
} from '../../../extractors/ad-platforms/account-groups.js';
import { adPlatformFlags } from '../../../extractors/ad-platforms/contract-flags.js';
import type { FlagContract } from '../../../extractors/core/contract.js';
import { ConfigError, EXIT_USAGE } from '../../../extractors/core/errors.js';
import { redact } from '../../../extractors/core/redact.js';
import { contract as facebookContract } from '../../../extractors/facebook-ads/contract.js';
import { googleAdsConfigSchema } from '../../../extractors/google-ads/config.js';
import { contract as googleAdsContract } from '../../../extractors/google-ads/contract.js';
import { contract as analyticsContract } from '../../../extractors/google-analytics/contract.js';
import { writeAccountsFile } from './support.js';

const GROUP = [
  'google-ads:',
  '  g1:',
  '    accounts: ["123-456-7890"]',
  '    credentials:',
  '      { developer_token: G_DEV, client_id: G_ID, client_secret: G_SECRET, refresh_token: G_REFRESH }',
];

/** The google-ads flag record as the runtime hands it over (defaults filled). */
const flags = (accountsFile: string, extra: Record<string, unknown> = {}) => ({
  'accounts-file': accountsFile,
  group: 'g1',
  'lookback-days': 14,
  'chunk-days': 14,
  'max-attempts': 6,
  'retry-base-ms': 2000,
  'retry-max-ms': 300000,
  'request-timeout-ms': 120000,
  ...extra,
});

const issues = (result: { success: boolean; error?: { issues: unknown[] } }) =>
  (result.error?.issues ?? []).map((issue) => {
    const { path, message } = issue as { path: unknown[]; message: string };
    return `${path.join('.')}: ${message}`;
  });

describe('account groups', () => {
  it('names the file and the path inside it for every problem', async () => {
    const schema = googleAdsConfigSchema;
    const unreadable = schema.safeParse(flags('/nonexistent/ad-accounts.yaml'));
    expect(issues(unreadable)).toEqual([
      'accounts-file: cannot read /nonexistent/ad-accounts.yaml (ENOENT)',
    ]);

    const broken = await writeAccountsFile('groups-', ['google-ads: [unclosed']);
    expect(issues(schema.safeParse(flags(broken)))[0]).toMatch(
      new RegExp(`^accounts-file: ${broken} is not valid YAML/JSON: `),
    );

    const badId = await writeAccountsFile('groups-', [
      ...GROUP.slice(0, 2),
      '    accounts: ["12345"]',
      ...GROUP.slice(3),
    ]);
    expect(issues(schema.safeParse(flags(badId)))).toEqual([
      // Key paths in backticks (as group and source names are): redaction cannot take one for a
      // secret's name and mask the message after it.
      `accounts-file: ${badId}: \`google-ads.g1.accounts.0\`: must be a 10-digit customer id like 123-456-7890`,
    ]);
  });

  it('rejects a window whose --until is not after --since, on --until', async () => {
    const file = await writeAccountsFile('groups-', GROUP);
    const parsed = googleAdsConfigSchema.safeParse(
      flags(file, { since: '2024-03-10', until: '2024-03-10' }),
    );
    expect(issues(parsed)).toEqual([
      'until: must be after --since (2024-03-10); until is exclusive',
    ]);
    const ok = googleAdsConfigSchema.parse(flags(file));
    expect(ok.group.accounts).toEqual(['1234567890']);
  });

  it('enforces the bounds and formats the shared flag declaration gives, on each flag', async () => {
    const file = await writeAccountsFile('groups-', GROUP);
    const parsed = googleAdsConfigSchema.safeParse(
      flags(file, {
        'lookback-days': -1,
        'max-attempts': 21,
        'request-timeout-ms': 0,
        'api-url': 'not a url',
      }),
    );
    expect(issues(parsed).map((issue) => issue.split(':')[0])).toEqual([
      'lookback-days',
      'max-attempts',
      'request-timeout-ms',
      'api-url',
    ]);
    expect(adPlatformFlags['lookback-days']).toMatchObject({ minimum: 0, maximum: 3650 });
    expect(adPlatformFlags['max-attempts']).toMatchObject({ minimum: 1, maximum: 20 });
  });

  it('every ad source accepts every shared flag, declared once and spread into its contract', () => {
    for (const contract of [facebookContract, googleAdsContract, analyticsContract]) {
      for (const [name, flag] of Object.entries(adPlatformFlags)) {
        const own = contract.flags[name as keyof typeof contract.flags] as FlagContract;
        // Platforms override the lookback default and the API URL's variable; the rest is shared.
        expect({ source: contract.source, name, type: own.type }).toEqual({
          source: contract.source,
          name,
          type: flag.type,
        });
        if (name !== 'lookback-days' && name !== 'api-url') expect(own).toBe(flag);
      }
    }
  });

  it('names unset credential variables (never values) and registers set ones as secrets', () => {
    const credentials = { developer_token: 'G_DEV', refresh_token: 'G_REFRESH' };
    let error: unknown;
    try {
      resolveCredentials('google-ads group g1', credentials, { G_DEV: 'dev-token-value' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(EXIT_USAGE);
    expect((error as Error).message).toBe(
      'google-ads group g1: credential(s) not set: refresh_token (env G_REFRESH)',
    );

    const values = resolveCredentials('google-ads group g1', credentials, {
      G_DEV: 'dev-token-value',
      G_REFRESH: '1//refresh-value',
    });
    expect(values).toEqual({
      developer_token: 'dev-token-value',
      refresh_token: '1//refresh-value',
    });
    expect(redact('sent dev-token-value and 1//refresh-value')).toBe('sent *** and ***');
  });

  it('lists the groups a source has when the asked one is missing', async () => {
    const file = await writeAccountsFile('groups-', GROUP);
    expect(() =>
      readAccountGroup({ file, source: 'google-ads', group: 'g9', schema: googleAdsConfigSchema }),
    ).toThrow(`${file} has no group \`g9\` under \`google-ads\` (groups: g1)`);
    expect(() =>
      readAccountGroup({
        file,
        source: 'facebook-ads',
        group: 'd1',
        schema: googleAdsConfigSchema,
      }),
    ).toThrow(`${file} has no \`facebook-ads\` section`);
  });
});
