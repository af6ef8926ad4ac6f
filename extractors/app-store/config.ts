/**
 * `extract app-store` config: the flag record (see contract.ts) validated with zod, plus the
 * group read from the accounts file. An account is `vendor:<vendor number>` (Sales and Trends)
 * or `app:<Apple id>` (Analytics Reports): one API key serves both, and each is its own account
 * with its own state, so one failing vendor or app leaves the others loaded.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig, listFlag } from '../ad-platforms/config.js';

export const APP_STORE_CREDENTIALS = ['issuer_id', 'key_id', 'private_key'] as const;

const accountId = z
  .string()
  .regex(
    /^(vendor:\d+|app:\d+)$/,
    'must be `vendor:<vendor number>` (Sales and Trends) or `app:<Apple id>` (Analytics Reports)',
  );

const appStoreGroupSchema = accountGroupSchema(APP_STORE_CREDENTIALS).extend({
  accounts: z.array(accountId).min(1, 'a group needs at least one vendor or app'),
});

export type AppStoreGroup = z.output<typeof appStoreGroupSchema>;

export interface AppStoreConfig extends CommonAdsConfig<AppStoreGroup> {
  readonly reports: readonly string[];
  readonly createReportRequests: boolean;
  readonly salesReportVersion: string;
  readonly reportDelayDays: number;
}

export const appStoreConfigSchema: z.ZodType<AppStoreConfig> = adPlatformConfigSchema({
  source: 'app-store',
  group: appStoreGroupSchema,
  flags: {
    reports: listFlag.pipe(z.array(z.string()).min(1, 'needs at least one report name')),
    'create-report-requests': z.boolean(),
    'sales-report-version': z.string().regex(/^\d+_\d+$/, 'must look like 1_0'),
    'report-delay-days': z.number().int().min(0).max(30),
  },
  config: (flags) => ({
    reports: [...new Set(flags.reports)],
    createReportRequests: flags['create-report-requests'],
    salesReportVersion: flags['sales-report-version'],
    reportDelayDays: flags['report-delay-days'],
  }),
});

/** `vendor:85012345` → its kind and id. */
export function parseAccount(account: string): { kind: 'vendor' | 'app'; id: string } {
  const [kind, id] = account.split(':') as ['vendor' | 'app', string];
  return { kind, id };
}
