/**
 * `extract google-play` config: the flag record (see contract.ts) validated with zod, plus the
 * package group read from the accounts file. A group is one developer account: its reports
 * bucket, its app packages (one account of the run each) and the env variable holding the
 * service account's key.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig } from '../ad-platforms/config.js';
import { flagConfigShape } from '../core/flag-config.js';
import { contract } from './contract.js';

/** Android application ids: at least two dot-separated segments, each starting with a letter. */
const packageName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/,
    'must be an Android package name like com.example.app',
  );

/** The bucket id Play Console shows under "Download reports": pubsite_prod_rev_<digits>. */
const bucket = z
  .string()
  .regex(
    /^(gs:\/\/)?pubsite_prod_(rev_)?\d+\/?$/,
    'must be the reports bucket like pubsite_prod_rev_01234567890987654321 (Play Console, Download reports)',
  )
  .transform((id) => id.replace(/^gs:\/\//, '').replace(/\/$/, ''));

const playGroupSchema = accountGroupSchema(['service_account_key']).extend({
  bucket,
  accounts: z.array(packageName).min(1, 'a group needs at least one package'),
});

export type PlayGroup = z.output<typeof playGroupSchema>;

export interface PlayConfig extends CommonAdsConfig<PlayGroup> {
  readonly reportingApiUrl?: string;
  readonly tokenUrl?: string;
  readonly months: number;
  readonly chunkDays: number;
  readonly pageSize: number;
}

export const playConfigSchema: z.ZodType<PlayConfig> = adPlatformConfigSchema({
  source: 'google-play',
  group: playGroupSchema,
  // The bounds and formats are the contract's, declared once there.
  flags: flagConfigShape({
    'reporting-api-url': contract.flags['reporting-api-url'],
    'oauth-token-url': contract.flags['oauth-token-url'],
    months: contract.flags.months,
    'chunk-days': contract.flags['chunk-days'],
    'page-size': contract.flags['page-size'],
  }),
  config: (flags) => ({
    reportingApiUrl: flags['reporting-api-url'],
    tokenUrl: flags['oauth-token-url'],
    months: flags.months,
    chunkDays: flags['chunk-days'],
    pageSize: flags['page-size'],
  }),
});
