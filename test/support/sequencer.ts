/**
 * The order test files start in: the slowest first. Two workers run the files; a file of minutes
 * that starts last leaves the other worker idle at the end (CI measured 70 s of such a tail, the
 * two Airflow DAG-run suites starting last because vitest, with no timing cache in a fresh clone,
 * starts the largest files first and those two are four lines long).
 *
 * SLOW_FILES holds each slow file's seconds in the fresh-clone CI run of 2026-11-30 (two workers,
 * both busy). The figures only order the start; a stale one costs minutes of CI, never a result.
 * Every other file follows in vitest's own order (its timing cache where there is one).
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOW_FILES: Readonly<Record<string, number>> = {
  'test/dbt/reports.test.ts': 264,
  'test/airflow/bootstrap.test.ts': 199,
  'test/dbt/fresh-stack.test.ts': 166,
  'test/local/demo.test.ts': 158,
  'test/extractors/postgres/cdc/cdc.test.ts': 149,
  'test/superset/dashboard.test.ts': 140,
  'test/dbt/end-to-end.test.ts': 72,
  'test/extractors/postgres/source.test.ts': 65,
  'test/airflow/run-dags.test.ts': 65,
  'test/superset/local-cli.test.ts': 57,
  'test/extractors/postgres/exact-values.test.ts': 55,
  'test/dbt/ad-models.test.ts': 52,
  'test/airflow/run-dags-airflow-2.test.ts': 46,
  'test/dbt/project.test.ts': 44,
};

export class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const seconds = (file: TestSpecification) =>
      SLOW_FILES[path.relative(file.project.config.root, file.moduleId)] ?? 0;
    // Array.prototype.sort is stable: files not listed keep vitest's order after the listed ones.
    return ordered.sort((a, b) => seconds(b) - seconds(a));
  }
}
