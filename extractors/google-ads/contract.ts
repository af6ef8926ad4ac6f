import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract google-ads` accepts and writes: the ad platforms' shared flags, with this
 * platform's lookback and API URL, and its own. Data the DAG compiler reads statically (see
 * extractors/core/contract.ts).
 */
export const contract = {
  source: 'google-ads',
  description:
    'Google Ads API (GAQL searchStream): campaigns, ad groups and ads (snapshots) and campaign- and ad-group-level daily metrics, for one account group.',
  flags: {
    ...adPlatformFlags,
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        'Days re-pulled on every run, before --until and before the stored state (conversions keep arriving for the conversion window); 0 loads an explicit --since/--until exactly.',
      default: 14,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        'Google Ads API base URL instead of https://googleads.googleapis.com (a proxy; tests use a loopback fake).',
      env: 'GOOGLE_ADS_API_URL',
    },
    'chunk-days': {
      type: 'integer',
      description:
        'Days per GAQL query of the daily metrics streams; each chunk is written, then the state advances.',
      default: 14,
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
      env: 'GOOGLE_ADS_DEVELOPER_TOKEN',
      description: 'Developer token (group g1 of the example accounts file).',
      required: false,
    },
    {
      env: 'GOOGLE_ADS_CLIENT_ID',
      description: 'OAuth client id (group g1 of the example accounts file).',
      required: false,
    },
    {
      env: 'GOOGLE_ADS_CLIENT_SECRET',
      description: 'OAuth client secret (group g1 of the example accounts file).',
      required: false,
    },
    {
      env: 'GOOGLE_ADS_REFRESH_TOKEN',
      description: 'OAuth refresh token (group g1 of the example accounts file).',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'google-ads',
    credentials: [
      { name: 'developer_token', description: 'Google Ads API developer token.' },
      { name: 'client_id', description: 'OAuth client id.' },
      { name: 'client_secret', description: 'OAuth client secret.' },
      { name: 'refresh_token', description: 'OAuth refresh token.' },
    ],
  },
  tables: [
    {
      table: 'raw.google_ads_campaigns',
      stream: 'campaigns',
      description: 'Campaign snapshot per customer.',
    },
    {
      table: 'raw.google_ads_ad_groups',
      stream: 'ad_groups',
      description: 'Ad group snapshot per customer.',
    },
    {
      table: 'raw.google_ads_ads',
      stream: 'ads',
      description: 'Ad (ad_group_ad) snapshot per customer.',
    },
    {
      table: 'raw.google_ads_campaign_daily',
      stream: 'campaign_daily',
      description:
        'Daily campaign metrics: impressions, clicks, cost_micros (Int64), conversions, conversions value; customer currency and time zone.',
    },
    {
      table: 'raw.google_ads_ad_group_daily',
      stream: 'ad_group_daily',
      description: 'Daily ad group metrics, same measures as campaign_daily.',
    },
  ],
} as const satisfies SourceContract;
