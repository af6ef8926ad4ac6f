/** The generated DAG files on Airflow 3.x (see suite.ts). */
import { KNOWN_PROBLEMS } from './known.js';
import { airflowSuite } from './suite.js';

airflowSuite('airflow-3', 3, {
  version: /^3\./,
  known: KNOWN_PROBLEMS,
});
