/**
 * `extract google-ads` config: the flag record (see contract.ts) validated with zod, plus the
 * account group read from the accounts file.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig } from '../ad-platforms/config.js';

const customerId = z
  .string()
  .regex(/^\d{3}-?\d{3}-?\d{4}$/, 'must be a 10-digit customer id like 123-456-7890')
  .transform((id) => id.replace(/-/g, ''));

const googleAdsGroupSchema = accountGroupSchema([
  'developer_token',
  'client_id',
  'client_secret',
  'refresh_token',
]).extend({
  accounts: z.array(customerId).min(1, 'a group needs at least one account'),
  /** The manager account the credentials belong to, sent as `login-customer-id`. */
  login_customer_id: customerId.optional(),
});

export type GoogleAdsGroup = z.output<typeof googleAdsGroupSchema>;

export interface GoogleAdsConfig extends CommonAdsConfig<GoogleAdsGroup> {
  readonly chunkDays: number;
  readonly tokenUrl?: string;
}

export const googleAdsConfigSchema: z.ZodType<GoogleAdsConfig> = adPlatformConfigSchema({
  source: 'google-ads',
  group: googleAdsGroupSchema,
  flags: {
    'chunk-days': z.number().int().min(1).max(366),
    'oauth-token-url': z.string().url().optional(),
  },
  config: (flags) => ({ chunkDays: flags['chunk-days'], tokenUrl: flags['oauth-token-url'] }),
});
