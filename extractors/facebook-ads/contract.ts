import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract facebook-ads` accepts and writes: the ad platforms' shared flags, with this
 * platform's lookback and API URL, and its own. Data the DAG compiler reads statically (see
 * extractors/core/contract.ts).
 */
export const contract = {
  source: 'facebook-ads',
  description:
    'Facebook Marketing API: campaigns, ad sets and ads (snapshots) and daily ad-level insights through async report runs, for one account group.',
  flags: {
    ...adPlatformFlags,
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        'Days re-pulled on every run, before --until and before the stored state (Facebook restates 28 days of attribution); 0 loads an explicit --since/--until exactly.',
      default: 28,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        'Graph API base URL instead of https://graph.facebook.com (a proxy; tests use a loopback fake).',
      env: 'FACEBOOK_GRAPH_URL',
    },
    breakdowns: {
      type: 'list',
      description:
        'Insights breakdowns (e.g. age,gender or publisher_platform). Each combination is its own row; the table key includes them.',
    },
    'action-types': {
      type: 'list',
      description:
        'Action types flattened from `actions` / `action_values` into map columns (the raw arrays are kept too).',
      default: 'link_click,landing_page_view,lead,purchase,offsite_conversion.fb_pixel_purchase',
    },
    'job-days': {
      type: 'integer',
      description:
        'Days per async report run; a failed or skipped run is split further (halves, then per campaign).',
      default: 7,
    },
    'poll-interval-ms': {
      type: 'integer',
      description: 'First wait between polls of an async report run (doubles up to 8x).',
      default: 5000,
    },
    'max-polls': {
      type: 'integer',
      description:
        'Polls before a report run that is still running counts as stalled and is split.',
      default: 60,
    },
    'page-size': {
      type: 'integer',
      description: 'Rows per Graph page (`limit`).',
      default: 500,
    },
    'usage-threshold-pct': {
      type: 'integer',
      description:
        'Above this usage (x-app-usage, x-ad-account-usage, x-business-use-case-usage) the client pauses before its next call.',
      default: 75,
    },
  },
  // The variables the example accounts file names; which of them a run needs depends on its
  // group, so the compiler checks them through `accountGroups` below.
  secrets: [
    {
      env: 'FACEBOOK_D1_ACCESS_TOKEN',
      description: 'Access token of group d1 (the accounts file names the variable of each group).',
      required: false,
    },
    {
      env: 'FACEBOOK_D2_ACCESS_TOKEN',
      description: 'Access token of group d2 (the accounts file names the variable of each group).',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'facebook-ads',
    credentials: [{ name: 'access_token', description: 'Marketing API access token.' }],
  },
  tables: [
    {
      table: 'raw.facebook_ads_campaigns',
      stream: 'campaigns',
      description: 'Campaign snapshot per account (status, objective, budgets in minor units).',
    },
    {
      table: 'raw.facebook_ads_adsets',
      stream: 'adsets',
      description: 'Ad set snapshot per account.',
    },
    { table: 'raw.facebook_ads_ads', stream: 'ads', description: 'Ad snapshot per account.' },
    {
      table: 'raw.facebook_ads_ads_insights',
      stream: 'ads_insights',
      description:
        'Daily ad-level insights per breakdown combination, with account currency and time zone, raw and flattened actions.',
    },
  ],
} as const satisfies SourceContract;
