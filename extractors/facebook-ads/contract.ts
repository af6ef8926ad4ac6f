import type { SourceContract } from '../core/contract.js';

/**
 * What `extract facebook-ads` accepts and writes. A plain literal: the DAG compiler reads it
 * statically (see extractors/core/contract.ts).
 */
export const contract = {
  source: 'facebook-ads',
  description:
    'Facebook Marketing API: campaigns, ad sets and ads (snapshots) and daily ad-level insights through async report runs, for one account group.',
  flags: {
    'accounts-file': {
      type: 'string',
      description:
        "YAML/JSON file of account groups: `facebook-ads.<group>.accounts` and the NAMES of the env variables holding each group's credentials.",
      env: 'ADS_ACCOUNTS_FILE',
      required: true,
    },
    group: {
      type: 'string',
      description:
        'Account group to load (a key under `facebook-ads` in the accounts file, e.g. d1).',
      required: true,
    },
    since: {
      type: 'date',
      description:
        'First day to load (YYYY-MM-DD, account time zone); the window still reaches back --lookback-days before --until. Default: the stored state minus the lookback.',
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
        'Days re-pulled on every run, before --until and before the stored state (Facebook restates 28 days of attribution); 0 loads an explicit --since/--until exactly.',
      default: 28,
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
    'max-attempts': {
      type: 'integer',
      description: 'Tries per API call on throttling, 5xx, HTML error pages and network errors.',
      default: 6,
    },
    'retry-base-ms': {
      type: 'integer',
      description: 'Backoff before the second try; doubles per try, with full jitter.',
      default: 2000,
    },
    'retry-max-ms': {
      type: 'integer',
      description:
        'Longest single wait, also caps the wait Facebook asks for (estimated_time_to_regain_access).',
      default: 300000,
    },
    'request-timeout-ms': {
      type: 'integer',
      description: 'Abandon an API answer slower than this and retry it like a network error.',
      default: 120000,
    },
    'api-url': {
      type: 'string',
      description:
        'Graph API base URL instead of https://graph.facebook.com (a proxy; tests use a loopback fake).',
      env: 'FACEBOOK_GRAPH_URL',
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
