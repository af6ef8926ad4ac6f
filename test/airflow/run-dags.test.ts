/** Real dag.test() runs of our DAGs on Airflow 3.x (see run-dags-suite.ts; 2.11: run-dags-airflow-2.test.ts). */
import { runDagsSuite } from './run-dags-suite.js';

runDagsSuite('airflow-3', 3);
