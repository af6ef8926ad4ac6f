/**
 * Problems Airflow finds in the generated files that are reported but not fixed yet. Each entry
 * is a line compare.ts reports, exactly: a new problem fails the suite, and so does an entry that
 * no longer occurs (remove it then).
 */
import type { KnownProblem } from './suite.js';

const condition = (dagId: string, uris: string[]) => {
  const list = JSON.stringify(uris);
  return `${dagId}/-/schedule.condition: Airflow {"all":${list}} ≠ IR {"any":${list}}`;
};

/**
 * A list schedule of assets means ALL of them in Airflow (2.x and 3.x); the spec's
 * `schedule: {assets: [...]}` means ANY (issue 10). The emitter writes
 * `schedule=[Asset(a), Asset(b)]`; ANY is `schedule=(Asset(a) | Asset(b))` (2.9+ and 3.x).
 */
export const ASSET_LIST_IS_ALL: readonly KnownProblem[] = [
  {
    problem: condition('ads_daily_performance', [
      'clickhouse://raw/facebook_ads_ads_insights',
      'clickhouse://raw/google_ads_campaign_daily',
    ]),
    reason:
      'runs only after BOTH Facebook and Google Ads loaded; a deployment with one of them never runs it',
  },
  {
    problem: condition('campaign_reports', [
      'clickhouse://raw/postgres_advertiser',
      'clickhouse://raw/postgres_campaign',
      'clickhouse://raw/postgres_clicks',
      'clickhouse://raw/postgres_impressions',
    ]),
    reason:
      'harmless today (one task, oltp_to_clickhouse.load_oltp, updates all four at once), wrong as soon as they come from different tasks',
  },
];
