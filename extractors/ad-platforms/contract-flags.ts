import type { FlagContract } from '../core/contract.js';

/**
 * The retry policy's flags (core/retry.ts, ad-platforms/retry.ts), declared once for every HTTP
 * API source: the ad platforms spread them through `adPlatformFlags`, http-export directly, and
 * `retrySettings` (config.ts) turns them into the policy. Literals only (codegen reads them).
 */
export const retryFlags = {
  'max-attempts': {
    type: 'integer',
    description:
      'Tries per request on throttling or quota errors, 5xx answers, HTML error pages, cut bodies and network errors.',
    default: 6,
    minimum: 1,
    maximum: 20,
  },
  'retry-base-ms': {
    type: 'integer',
    description: 'Backoff before the second try; doubles per try, with full jitter.',
    default: 2000,
    minimum: 0,
  },
  'retry-max-ms': {
    type: 'integer',
    description:
      "Longest single wait, also caps the wait the API asks for (Retry-After, Google's retryDelay, Facebook's estimated_time_to_regain_access).",
    default: 300000,
    minimum: 0,
  },
  'request-timeout-ms': {
    type: 'integer',
    description: 'Abandon an answer slower than this and retry it like a network error.',
    default: 120000,
    minimum: 1,
  },
} as const satisfies Readonly<Record<string, FlagContract>>;

/**
 * The flags every ad-platform source accepts: the account group, the date window and the retry
 * policy. Declared once: each ad source's contract spreads them (`...adPlatformFlags`) and
 * overrides what differs per platform (the lookback default, the API URL), and
 * `ad-platforms/config.ts` derives their zod schema from the bounds given here. The DAG compiler
 * reads this file statically through those spreads (codegen/static-value.ts), so it must stay
 * literals and references to other `const`s: no calls.
 */
export const adPlatformFlags = {
  'accounts-file': {
    type: 'string',
    description:
      "YAML/JSON file of account groups: `<source>.<group>.accounts` (the platform's account, customer or property ids; Google Ads also `login_customer_id`, the manager) and the NAMES of the env variables holding each group's credentials.",
    env: 'ADS_ACCOUNTS_FILE',
    required: true,
  },
  group: {
    type: 'string',
    description:
      'Account group to load (a key under the source, e.g. `facebook-ads`, in the accounts file).',
    required: true,
  },
  since: {
    type: 'date',
    description:
      "First day to load (YYYY-MM-DD, in the account's own time zone); the window still reaches back --lookback-days before --until. Default: the stored state minus the lookback.",
  },
  until: {
    type: 'date',
    description:
      'Day after the last day to load (exclusive). Default: tomorrow (today is included).',
  },
  'start-date': {
    type: 'date',
    description:
      'First day for an account that has no state yet. Default: today minus the lookback.',
  },
  'lookback-days': {
    type: 'integer',
    description:
      'Days re-pulled on every run, before --until and before the stored state (the platform restates recent days); 0 loads an explicit --since/--until exactly.',
    default: 14,
    minimum: 0,
    maximum: 3650,
  },
  ...retryFlags,
  'api-url': {
    type: 'string',
    description:
      "The API's base URL instead of the platform's own (a proxy; tests use a loopback fake).",
    format: 'url',
  },
} as const satisfies Readonly<Record<string, FlagContract>>;
