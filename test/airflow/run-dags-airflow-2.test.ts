/** Real dag.test() runs of our DAGs on Airflow 2.11 (see run-dags-suite.ts; 3.x: run-dags.test.ts). */
import { runDagsSuite } from './run-dags-suite.js';

runDagsSuite('airflow-2', 2);
