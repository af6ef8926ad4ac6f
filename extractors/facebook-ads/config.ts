/**
 * `extract facebook-ads` config: the flag record (see contract.ts) validated with zod, plus the
 * account group read from the accounts file.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig, listFlag } from '../ad-platforms/config.js';

/** Graph wants `act_<digits>`; the file may hold either form. */
const accountId = z
  .string()
  .regex(/^(act_)?\d+$/, 'must be an ad account id like act_1234567890 or 1234567890')
  .transform((id) => (id.startsWith('act_') ? id : `act_${id}`));

const facebookGroupSchema = accountGroupSchema(['access_token']).extend({
  accounts: z.array(accountId).min(1, 'a group needs at least one account'),
});

export type FacebookGroup = z.output<typeof facebookGroupSchema>;

export interface FacebookConfig extends CommonAdsConfig<FacebookGroup> {
  readonly breakdowns: readonly string[];
  readonly actionTypes: readonly string[];
  readonly jobDays: number;
  readonly pollIntervalMs: number;
  readonly maxPolls: number;
  readonly pageSize: number;
  readonly usageThresholdPct: number;
}

export const facebookConfigSchema: z.ZodType<FacebookConfig> = adPlatformConfigSchema({
  source: 'facebook-ads',
  group: facebookGroupSchema,
  flags: {
    breakdowns: listFlag.optional(),
    'action-types': listFlag,
    'job-days': z.number().int().min(1).max(90),
    'poll-interval-ms': z.number().int().min(0),
    'max-polls': z.number().int().min(1),
    'page-size': z.number().int().min(1).max(5000),
    'usage-threshold-pct': z.number().int().min(1).max(100),
  },
  config: (flags) => ({
    // Sorted so the same breakdowns in another order address the same rows.
    breakdowns: [...(flags.breakdowns ?? [])].sort(),
    actionTypes: flags['action-types'],
    jobDays: flags['job-days'],
    pollIntervalMs: flags['poll-interval-ms'],
    maxPolls: flags['max-polls'],
    pageSize: flags['page-size'],
    usageThresholdPct: flags['usage-threshold-pct'],
  }),
});
