import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract clevertap` accepts and writes: the ad platforms' shared flags (account group,
 * window, retry policy), with CleverTap's lookback and API URL, and its own. Data the DAG
 * compiler reads statically (see extractors/core/contract.ts): literals and spreads, no calls.
 */
export const contract = {
  source: 'clevertap',
  description:
    'CleverTap REST API: events (Get Events) and the profiles of users who did them (Get User Profiles by events), cursor-paged, one time window per event name, for one group of CleverTap accounts (projects).',
  flags: {
    ...adPlatformFlags,
    'accounts-file': {
      ...adPlatformFlags['accounts-file'],
      description:
        'YAML/JSON file of account groups: `clevertap.<group>.accounts` (CleverTap account ids), `region`, and the NAME of the env variable holding the passcode (`credentials.passcode`; `passcodes.<account id>` for a project whose passcode differs).',
    },
    since: {
      ...adPlatformFlags.since,
      description:
        "First day to load (YYYY-MM-DD, in the account's time zone, --timezone); the window still reaches back --lookback-days before --until. Default: each event name's stored state minus the lookback.",
    },
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        "Days re-read on every run, before --until and before each event name's stored state (events uploaded late with a past timestamp land in past days); 0 loads an explicit --since/--until exactly.",
      default: 2,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        "API base URL instead of the region's https://<region>.api.clevertap.com (a proxy; tests use a loopback fake).",
      env: 'CLEVERTAP_API_URL',
    },
    region: {
      type: 'enum',
      description:
        "The account's data region, as in its dashboard URL (eu1.dashboard.clevertap.com → eu1): picks the API host. Default: the group's `region` in the accounts file, else eu1.",
      values: ['eu1', 'in1', 'us1', 'sg1', 'aps3', 'mec1'],
    },
    timezone: {
      type: 'string',
      description:
        "The accounts' time zone (IANA name, Settings → Project in the dashboard): CleverTap's `from`/`to` days and event timestamps are in it.",
      default: 'UTC',
    },
    events: {
      type: 'list',
      description:
        'Event names to load (raw.clevertap_events), each with its own window and state; system events included, e.g. "App Launched,Charged".',
      default: 'App Launched,Charged',
    },
    'profile-events': {
      type: 'list',
      description:
        "Event names whose users' profiles are loaded (raw.clevertap_profiles), each with its own window and state.",
      default: 'App Launched',
    },
    profiles: {
      type: 'boolean',
      description: 'Load the profiles stream; --no-profiles loads events only.',
      default: true,
    },
    'chunk-days': {
      type: 'integer',
      description:
        "Days per cursor request; each chunk is written page by page, then its event name's state advances.",
      default: 1,
      minimum: 1,
      maximum: 31,
    },
    'batch-size': {
      type: 'integer',
      description:
        "Records per page (batch_size, CleverTap's maximum is 5000); profiles use the largest multiple of 23 at or below it, as CleverTap advises.",
      default: 5000,
      minimum: 23,
      maximum: 5000,
    },
  },
  // The variable the example accounts file names; which one a run needs depends on its group,
  // so the compiler checks it through `accountGroups` below.
  secrets: [
    {
      env: 'CLEVERTAP_C1_PASSCODE',
      description: 'Passcode of the CleverTap accounts of group c1 of the example accounts file.',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'clevertap',
    credentials: [
      {
        name: 'passcode',
        description: 'CleverTap account passcode (Settings → Project → Passcode).',
      },
    ],
  },
  tables: [
    {
      table: 'raw.clevertap_events',
      stream: 'events',
      description:
        'One row per event (account, event name, day and a hash of the event itself): profile identity, timestamp, event and session properties, and the raw record.',
    },
    {
      table: 'raw.clevertap_profiles',
      stream: 'profiles',
      description:
        'One row per user profile (account and CleverTap identity) of users who did a --profile-events event; the raw record kept.',
    },
  ],
} as const satisfies SourceContract;
