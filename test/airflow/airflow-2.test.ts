/** The generated DAG files on Airflow 2.11 (see suite.ts). */
import { ASSET_LIST_IS_ALL } from './known.js';
import { airflowSuite } from './suite.js';

airflowSuite('airflow-2', 2, { version: /^2\.11\./, known: ASSET_LIST_IS_ALL });
