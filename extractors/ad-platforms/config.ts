/**
 * Config pieces every ad-platform source shares: the account group, the date window and the
 * retry policy, parsed from the flag record the runtime hands to a source's config schema
 * (kebab-case flag names; defaults arrive unparsed, so lists may be a comma-separated string).
 */
import { z } from 'zod';
import { flagConfigShape } from '../core/flag-config.js';
import { readAccountGroup } from './account-groups.js';
import { adPlatformFlags } from './contract-flags.js';
import type { RetryPolicy } from './retry.js';

/** A `list` flag: parsed (array) from the command line, or the contract's default string. */
export const listFlag = z
  .union([z.array(z.string()), z.string()])
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value).map((v) => v.trim()).filter(Boolean),
  );

/** The zod shape of the shared flags, derived from their one declaration. */
const commonAdsFlags = flagConfigShape(adPlatformFlags);

type CommonFlags = z.output<z.ZodObject<typeof commonAdsFlags>>;

export interface WindowConfig {
  readonly since?: string;
  readonly until?: string;
  readonly startDate?: string;
  readonly lookbackDays: number;
}

export interface CommonAdsConfig<Group> {
  readonly groupName: string;
  readonly group: Group;
  readonly window: WindowConfig;
  readonly retry: RetryPolicy;
  /** An answer slower than this is abandoned and retried like a network error. */
  readonly requestTimeoutMs: number;
  readonly apiUrl?: string;
}

/**
 * Turns the common flags into config and loads the group from the accounts file. Problems become
 * zod issues on the flag they concern, so the CLI reports `--accounts-file: …` / `--until: …`.
 */
function commonAdsConfig<Group>(
  flags: CommonFlags,
  source: string,
  groupSchema: z.ZodType<Group>,
  ctx: z.RefinementCtx,
): CommonAdsConfig<Group> | typeof z.NEVER {
  if (flags.since && flags.until && flags.since >= flags.until) {
    ctx.addIssue({
      code: 'custom',
      path: ['until'],
      message: `must be after --since (${flags.since}); until is exclusive`,
    });
    return z.NEVER;
  }
  let group: Group;
  try {
    group = readAccountGroup({
      file: flags['accounts-file'],
      source,
      group: flags.group,
      schema: groupSchema,
    });
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['accounts-file'], message: (error as Error).message });
    return z.NEVER;
  }
  return {
    groupName: flags.group,
    group,
    window: {
      since: flags.since,
      until: flags.until,
      startDate: flags['start-date'],
      lookbackDays: flags['lookback-days'],
    },
    ...retrySettings(flags),
    apiUrl: flags['api-url'],
  };
}

/**
 * The config schema of an ad-platform source: the shared flags and the source's own, validated
 * together; the account group read from the accounts file; then the source's own settings.
 */
export function adPlatformConfigSchema<Group, Shape extends z.ZodRawShape, Own>(options: {
  readonly source: string;
  readonly group: z.ZodType<Group>;
  /** The zod shape of the source's own flags. */
  readonly flags: Shape;
  /** The source's own settings from its validated flags. */
  config(flags: z.output<z.ZodObject<Shape>>): Own;
}): z.ZodType<CommonAdsConfig<Group> & Own> {
  return z.object({ ...commonAdsFlags, ...options.flags }).transform((flags, ctx) => {
    // The merged object's output is both records at once; zod cannot say so for a generic Shape.
    const record = flags as CommonFlags & z.output<z.ZodObject<Shape>>;
    const common = commonAdsConfig(record, options.source, options.group, ctx);
    if (common === z.NEVER) return z.NEVER;
    return { ...common, ...options.config(record) };
  });
}

/** The retry policy from the `retryFlags` (contract-flags.ts): one reading for every source. */
export function retrySettings(flags: {
  'max-attempts': number;
  'retry-base-ms': number;
  'retry-max-ms': number;
  'request-timeout-ms': number;
}): { retry: RetryPolicy; requestTimeoutMs: number } {
  return {
    retry: {
      maxAttempts: flags['max-attempts'],
      baseDelayMs: flags['retry-base-ms'],
      // A longest wait below the first one would make the backoff shrink.
      maxDelayMs: Math.max(flags['retry-max-ms'], flags['retry-base-ms']),
    },
    requestTimeoutMs: flags['request-timeout-ms'],
  };
}
