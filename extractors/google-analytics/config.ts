/**
 * `extract google-analytics` config: the flag record (see contract.ts) validated with zod, plus
 * the property group read from the accounts file.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig, listFlag } from '../ad-platforms/config.js';

const propertyId = z
  .string()
  .regex(/^(properties\/)?\d+$/, 'must be a GA4 property id like 123456789')
  .transform((id) => id.replace(/^properties\//, ''));

const analyticsGroupSchema = accountGroupSchema([
  'client_id',
  'client_secret',
  'refresh_token',
]).extend({
  accounts: z.array(propertyId).min(1, 'a group needs at least one property'),
});

export type AnalyticsGroup = z.output<typeof analyticsGroupSchema>;

export interface AnalyticsConfig extends CommonAdsConfig<AnalyticsGroup> {
  /** Sorted, without `date` (always requested, kept as its own column). */
  readonly dimensions: readonly string[];
  readonly metrics: readonly string[];
  readonly chunkDays: number;
  readonly pageSize: number;
  readonly quotaReservePct: number;
  readonly tokenUrl?: string;
}

export const analyticsConfigSchema: z.ZodType<AnalyticsConfig> = adPlatformConfigSchema({
  source: 'google-analytics',
  group: analyticsGroupSchema,
  flags: {
    dimensions: listFlag,
    metrics: listFlag.pipe(z.array(z.string()).min(1, 'needs at least one metric')),
    'chunk-days': z.number().int().min(1).max(366),
    'page-size': z.number().int().min(1).max(250000),
    'quota-reserve-pct': z.number().int().min(0).max(99),
    'oauth-token-url': z.string().url().optional(),
  },
  config: (flags) => ({
    dimensions: [...new Set(flags.dimensions.filter((d) => d !== 'date'))].sort(),
    metrics: [...new Set(flags.metrics)],
    chunkDays: flags['chunk-days'],
    pageSize: flags['page-size'],
    quotaReservePct: flags['quota-reserve-pct'],
    tokenUrl: flags['oauth-token-url'],
  }),
});
