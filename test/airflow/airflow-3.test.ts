/** The generated DAG files on Airflow 3.x (see suite.ts). */
import { ASSET_LIST_IS_ALL, CALLBACK_WITHOUT_RUN_ID } from './known.js';
import { airflowSuite } from './suite.js';

airflowSuite('airflow-3', 3, {
  version: /^3\./,
  known: [...ASSET_LIST_IS_ALL, ...CALLBACK_WITHOUT_RUN_ID],
});
