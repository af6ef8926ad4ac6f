/**
 * Problems Airflow finds in the generated files that are reported but not fixed yet. Each entry
 * is a line compare.ts reports, exactly: a new problem fails the suite, and so does an entry that
 * no longer occurs (remove it then).
 *
 * None today: the asset-list-means-ALL schedules and the Airflow 3 failure callback without a
 * run id (issue 10) are fixed (asset expressions with `when: any|all`; the runtime module's
 * failure_webhook reads `context["run_id"]`).
 */
import type { KnownProblem } from './suite.js';

export const KNOWN_PROBLEMS: readonly KnownProblem[] = [];
