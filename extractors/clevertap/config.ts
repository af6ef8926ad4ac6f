/**
 * `extract clevertap` config: the flag record (see contract.ts) validated with zod, plus the
 * account group read from the accounts file:
 *
 *   clevertap:
 *     c1:
 *       region: eu1
 *       accounts: ["W9R-486-4W5Z", "TEST-486-4W5Z"]
 *       credentials: { passcode: CLEVERTAP_C1_PASSCODE }
 *       passcodes: { "TEST-486-4W5Z": CLEVERTAP_C1_TEST_PASSCODE }   # optional
 *
 * Every CleverTap project (account id) has its own passcode; `credentials.passcode` names the
 * group's, and `passcodes` the variable of any account whose passcode differs.
 */
import { z } from 'zod';
import { accountGroupSchema } from '../ad-platforms/account-groups.js';
import { adPlatformConfigSchema, type CommonAdsConfig, listFlag } from '../ad-platforms/config.js';
import { todayIn } from '../core/dates.js';

export const REGIONS = ['eu1', 'in1', 'us1', 'sg1', 'aps3', 'mec1'] as const;
export type Region = (typeof REGIONS)[number];

/** The API host of a region: eu1 is CleverTap's original host, the others are prefixed. */
export function regionBaseUrl(region: Region): string {
  return region === 'eu1' ? 'https://api.clevertap.com' : `https://${region}.api.clevertap.com`;
}

/** CleverTap account ids: letters, digits and dashes, e.g. W9R-486-4W5Z or TEST-W9R-486-4W5Z. */
const accountId = z
  .string()
  .regex(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, 'must be a CleverTap account id like W9R-486-4W5Z');

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, not a value');

const clevertapGroupSchema = accountGroupSchema(['passcode']).extend({
  accounts: z.array(accountId).min(1, 'a group needs at least one account'),
  region: z.enum(REGIONS).optional(),
  passcodes: z.record(accountId, envName).optional(),
});

export type ClevertapGroup = z.output<typeof clevertapGroupSchema>;

export interface ClevertapConfig extends CommonAdsConfig<ClevertapGroup> {
  readonly region: Region;
  /** The API root: --api-url, else the region's host. */
  readonly baseUrl: string;
  readonly timezone: string;
  readonly events: readonly string[];
  /** Empty with --no-profiles. */
  readonly profileEvents: readonly string[];
  readonly chunkDays: number;
  readonly batchSize: number;
  /** The largest multiple of 23 at or below batchSize (CleverTap's profile buckets), or batchSize
   *  itself below 23. */
  readonly profileBatchSize: number;
}

const timezone = z.string().refine((zone) => {
  try {
    todayIn(zone);
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone like Europe/Madrid or UTC');

const eventNames = listFlag.pipe(
  z.array(z.string().max(256, 'an event name is at most 256 characters')),
);

export const clevertapConfigSchema: z.ZodType<ClevertapConfig> = adPlatformConfigSchema({
  source: 'clevertap',
  group: clevertapGroupSchema,
  flags: {
    region: z.enum(REGIONS).optional(),
    timezone,
    events: eventNames,
    'profile-events': eventNames,
    profiles: z.boolean(),
    'chunk-days': z.number().int().min(1).max(31),
    'batch-size': z.number().int().min(1).max(5000),
  },
  config: (flags) => ({
    timezone: flags.timezone,
    events: [...new Set(flags.events)],
    profileEvents: flags.profiles ? [...new Set(flags['profile-events'])] : [],
    chunkDays: flags['chunk-days'],
    batchSize: flags['batch-size'],
    profileBatchSize:
      flags['batch-size'] >= 23 ? Math.floor(flags['batch-size'] / 23) * 23 : flags['batch-size'],
    regionFlag: flags.region,
  }),
}).transform((config) => {
  // The flag wins, then the group's region, then CleverTap's original (European) host.
  const { regionFlag, ...rest } = config;
  const region: Region = regionFlag ?? config.group.region ?? 'eu1';
  return {
    ...rest,
    region,
    baseUrl: (config.apiUrl ?? regionBaseUrl(region)).replace(/\/+$/, ''),
  };
});
