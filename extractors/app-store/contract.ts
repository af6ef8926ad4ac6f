import { adPlatformFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract app-store` accepts and writes: the ad platforms' shared flags (account group,
 * window, retries), with Apple's lookback and API URL, and its own. Data the DAG compiler reads
 * statically (see extractors/core/contract.ts).
 */
export const contract = {
  source: 'app-store',
  description:
    'App Store Connect API (ES256 JWT): Sales and Trends daily summary reports per vendor number, and Analytics Reports (report requests → reports → instances → segments) per app.',
  flags: {
    ...adPlatformFlags,
    'lookback-days': {
      ...adPlatformFlags['lookback-days'],
      description:
        'Days re-read on every run, before --until and before the stored state (Apple publishes reports late and restates them); 0 loads an explicit --since/--until exactly.',
      default: 7,
    },
    'api-url': {
      ...adPlatformFlags['api-url'],
      description:
        'API base URL instead of https://api.appstoreconnect.apple.com (a proxy; tests use a loopback fake).',
      env: 'APP_STORE_API_URL',
    },
    reports: {
      type: 'list',
      description:
        'Analytics Reports loaded for each `app:` account, by their exact report name (comma-separated).',
      default: 'App Downloads Standard,App Store Discovery and Engagement Standard',
    },
    'create-report-requests': {
      type: 'boolean',
      description:
        'Create the ONGOING analytics report request of an app that has none (needs an Admin key; Apple then takes a day or two to produce the first instances). Without it such an app fails with a config error.',
      default: false,
    },
    'sales-report-version': {
      type: 'string',
      description:
        "filter[version] of the Sales and Trends SALES/SUMMARY/DAILY report (Apple's current version is 1_0; it names the latest in its error when this one is wrong).",
      default: '1_0',
    },
    'report-delay-days': {
      type: 'integer',
      description:
        "A report Apple answers 404 for within this many days of today (Pacific time) is not yet available: the run stops that account's window there and keeps its state. An older 404 is a day without sales or data.",
      default: 3,
      minimum: 0,
      maximum: 30,
    },
  },
  // The variables the example accounts file names; which of them a run needs depends on its
  // group, so the compiler checks them through `accountGroups` below.
  secrets: [
    {
      env: 'APP_STORE_ISSUER_ID',
      description: 'Issuer id of the App Store Connect API key (group s1 of the example file).',
      required: false,
    },
    {
      env: 'APP_STORE_KEY_ID',
      description: 'Key id of the App Store Connect API key (group s1 of the example file).',
      required: false,
    },
    {
      env: 'APP_STORE_PRIVATE_KEY',
      description:
        'The API key\'s private key: the contents of the AuthKey_<key id>.p8 file (PEM, "\\n" escapes accepted).',
      required: false,
    },
  ],
  accountGroups: {
    fileFlag: 'accounts-file',
    groupFlag: 'group',
    section: 'app-store',
    credentials: [
      { name: 'issuer_id', description: 'Issuer id of the API key (a UUID).' },
      { name: 'key_id', description: 'Key id of the API key (10 characters).' },
      { name: 'private_key', description: 'Contents of the .p8 private key file.' },
    ],
  },
  tables: [
    {
      table: 'raw.app_store_sales_summary',
      stream: 'sales_summary',
      description:
        'Sales and Trends SALES/SUMMARY/DAILY rows per vendor number and day: units, developer proceeds and prices exactly as Apple reports them.',
    },
    {
      table: 'raw.app_store_analytics_report',
      stream: 'analytics_report',
      description:
        'Rows of the chosen Analytics Reports per app: report name, processing date, the row date, its dimension values and counts.',
    },
  ],
} as const satisfies SourceContract;
