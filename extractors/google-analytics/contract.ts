import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract google-analytics` accepts and writes: the ad platforms' shared flags, with this
 * platform's lookback and API URL, and its own. Data the DAG compiler reads statically (see
 * extractors/core/contract.ts).
 */
export const contract = {
  source: 'google-analytics',
  description:
    'Google Analytics 4 Data API (runReport): daily report rows with configurable dimensions and metrics, for one group of properties.',
  flags: {
    ...adPlatformFlags,
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        'Days re-pulled on every run, before --until and before the stored state (GA4 keeps processing recent days); 0 loads an explicit --since/--until exactly.',
      default: 3,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        'Data API root URL instead of https://analyticsdata.googleapis.com/ (a proxy; tests use a loopback fake).',
      env: 'GOOGLE_ANALYTICS_API_URL',
    },
    dimensions: {
      type: 'list',
      description:
        'Report dimensions besides `date`, which is always included; each combination is its own row and part of the key.',
      default: 'sessionDefaultChannelGroup,sessionSource,sessionMedium,sessionCampaignName',
    },
    metrics: {
      type: 'list',
      description: 'Report metrics, stored in a map column by name.',
      default: 'sessions,totalUsers,keyEvents,totalRevenue',
    },
    'chunk-days': {
      type: 'integer',
      description: 'Days per report; each chunk is written, then the state advances.',
      default: 7,
    },
    'page-size': {
      type: 'integer',
      description: 'Rows per runReport page (limit); further pages by offset.',
      default: 100000,
    },
    'quota-reserve-pct': {
      type: 'integer',
      description:
        'Stop a property (keeping what is loaded) when less than this share of an hourly or daily token quota is left.',
      default: 5,
    },
    'oauth-token-url': {
      type: 'string',
      description: 'OAuth token endpoint instead of https://oauth2.googleapis.com/token.',
      env: 'GOOGLE_OAUTH_TOKEN_URL',
    },
  },
  // The variables the example accounts file names; which of them a run needs depends on its
  // group, so the compiler checks them through `accountGroups` below.
  secrets: [
    {
      env: 'GOOGLE_ANALYTICS_CLIENT_ID',
      description: 'OAuth client id (group a1 of the example accounts file).',
      required: false,
    },
    {
      env: 'GOOGLE_ANALYTICS_CLIENT_SECRET',
      description: 'OAuth client secret (group a1 of the example accounts file).',
      required: false,
    },
    {
      env: 'GOOGLE_ANALYTICS_REFRESH_TOKEN',
      description:
        'OAuth refresh token with analytics.readonly (group a1 of the example accounts file).',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'google-analytics',
    credentials: [
      { name: 'client_id', description: 'OAuth client id.' },
      { name: 'client_secret', description: 'OAuth client secret.' },
      {
        name: 'refresh_token',
        description: 'OAuth refresh token with analytics.readonly.',
      },
    ],
  },
  tables: [
    {
      table: 'raw.google_analytics_daily_report',
      stream: 'daily_report',
      description:
        'One row per property, day and dimension combination; metrics by name, property currency and time zone.',
    },
  ],
} as const satisfies SourceContract;
