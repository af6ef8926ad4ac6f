/** The generated DAG files on Airflow 2.11 (see suite.ts). */
import { KNOWN_PROBLEMS } from './known.js';
import { airflowSuite } from './suite.js';

airflowSuite('airflow-2', 2, { version: /^2\.11\./, known: KNOWN_PROBLEMS });
