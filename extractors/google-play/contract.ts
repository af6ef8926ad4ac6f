import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract google-play` accepts and writes: the ad platforms' shared flags (one account =
 * one app package of a group), with this source's lookback and API URLs, and its own. Data the
 * DAG compiler reads statically (see extractors/core/contract.ts).
 */
export const contract = {
  source: 'google-play',
  description:
    "Google Play Console bulk reports (monthly installs, ratings, crashes and earnings CSVs in the developer's Cloud Storage bucket) and Android vitals (daily crash and ANR rates, Play Developer Reporting API), one row set per app package of a group.",
  flags: {
    ...adPlatformFlags,
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        'Days re-pulled on every run before --until and before the stored state (vitals are restated for a few days); the monthly reports always re-read --months whole months as well.',
      default: 3,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        'Cloud Storage JSON API root URL instead of https://storage.googleapis.com/ (a proxy; tests use a loopback fake).',
      env: 'GOOGLE_PLAY_STORAGE_URL',
    },
    'reporting-api-url': {
      type: 'string',
      description:
        'Play Developer Reporting API root URL instead of https://playdeveloperreporting.googleapis.com/.',
      env: 'GOOGLE_PLAY_REPORTING_URL',
      format: 'url',
    },
    'oauth-token-url': {
      type: 'string',
      description:
        "OAuth token endpoint the service account's signed assertion is posted to, instead of https://oauth2.googleapis.com/token.",
      env: 'GOOGLE_OAUTH_TOKEN_URL',
      format: 'url',
    },
    months: {
      type: 'integer',
      description:
        'Monthly report files re-read on every run, ending with the month of the last day loaded (Play rewrites the current month daily and the previous one after it closes).',
      default: 2,
      minimum: 1,
      maximum: 36,
    },
    'chunk-days': {
      type: 'integer',
      description: 'Days per vitals query; each chunk is written, then the vitals state advances.',
      default: 30,
      minimum: 1,
      maximum: 365,
    },
    'page-size': {
      type: 'integer',
      description: 'Rows per vitals query page (pageSize); further pages by nextPageToken.',
      default: 1000,
      minimum: 1,
      maximum: 100000,
    },
  },
  secrets: [
    {
      env: 'GOOGLE_PLAY_SERVICE_ACCOUNT_KEY',
      description:
        'JSON key of a service account invited in Play Console (group p1 of the example accounts file).',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'google-play',
    credentials: [
      {
        name: 'service_account_key',
        description:
          "The service account's JSON key (type service_account, client_email, private_key).",
      },
    ],
  },
  tables: [
    {
      table: 'raw.google_play_installs_overview',
      stream: 'installs_overview',
      description:
        'installs_<package>_<YYYYMM>_overview.csv: one row per package and day (device/user installs, uninstalls, upgrades, active devices, events).',
    },
    {
      table: 'raw.google_play_installs_country',
      stream: 'installs_country',
      description:
        'installs_<package>_<YYYYMM>_country.csv: the same counts per package, day and country.',
    },
    {
      table: 'raw.google_play_ratings_overview',
      stream: 'ratings_overview',
      description:
        'ratings_<package>_<YYYYMM>_overview.csv: daily and total average rating per package and day.',
    },
    {
      table: 'raw.google_play_crashes_overview',
      stream: 'crashes_overview',
      description:
        'crashes_<package>_<YYYYMM>_overview.csv: daily crashes and ANRs per package and day.',
    },
    {
      table: 'raw.google_play_earnings',
      stream: 'earnings',
      description:
        "earnings_<YYYYMM>_<account>.zip: the account's earnings transactions of the package (where the service account may read financial reports), one row per file line.",
    },
    {
      table: 'raw.google_play_vitals_crash_rate',
      stream: 'vitals_crash_rate',
      description:
        'Reporting API crashRateMetricSet, DAILY (America/Los_Angeles): crash rate, user-perceived crash rate and distinct users per package and day, exact decimals.',
    },
    {
      table: 'raw.google_play_vitals_anr_rate',
      stream: 'vitals_anr_rate',
      description:
        'Reporting API anrRateMetricSet, DAILY (America/Los_Angeles): ANR rate, user-perceived ANR rate and distinct users per package and day, exact decimals.',
    },
  ],
} as const satisfies SourceContract;
