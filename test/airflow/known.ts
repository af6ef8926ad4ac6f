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

const minimalContext = (dagId: string) =>
  `${dagId}/-/on_failure_callback({dag, run_id, reason}): message ${JSON.stringify(
    `Airflow DAG ${dagId} failed\nreason: timed_out`,
  )} lacks "run: scheduled__2026-03-01T00:00:00+00:00"`;

/**
 * Airflow 3 runs DAG failure callbacks in the dag-processor; without a last task instance the
 * context is {dag, run_id, reason} (no dag_run, no task_instance). The generated `_notify_failure`
 * reads the run id only from `dag_run`, so the message loses it (issue 10): it should fall back
 * to `context["run_id"]`.
 */
export const CALLBACK_WITHOUT_RUN_ID: readonly KnownProblem[] = ['ads_daily', 'orders_report'].map(
  (dagId) => ({
    problem: minimalContext(dagId),
    reason: 'golden DAG with notify_on_failure; no shipped DAG uses it yet',
  }),
);
