/**
 * The generated DAG files on real Airflow (issue 10): every file in airflow/dags and every golden
 * file loads in a DagBag with no import error and no deprecation warning, and Airflow's
 * serialized view of each DAG equals the compiler's IR (compare.ts). One Python process per
 * Airflow version loads everything (inspect_dags.py); its AIRFLOW_HOME is a scratch folder. No
 * metadata database is needed: neither DagBag nor serialization touches it, on 2.11 or 3.x.
 *
 * The virtualenv comes from the committed lock (python/airflow-N/requirements.lock). A machine
 * that cannot install it fails here with the reason; nothing is skipped.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFolder, type IrProject } from '../../codegen/index.js';
import {
  type AirflowFolder,
  type AirflowReport,
  compareDag,
  compareFailureCallback,
  RUN,
} from './compare.js';
import { inspectDags } from './inspect.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Each folder of generated files with the IR it was generated from. */
function sources(): { name: string; folder: string; ir: IrProject }[] {
  const compiled = (specsDir: string, contractsDir: string) => {
    const result = compileFolder({ specsDir, contractsDir, displayBase: repoRoot });
    if (result.ir === null) throw new Error(`${specsDir} does not compile`);
    return result.ir;
  };
  return [
    {
      name: 'airflow/dags',
      folder: path.join(repoRoot, 'airflow/dags'),
      ir: compiled(path.join(repoRoot, 'dag-specs'), path.join(repoRoot, 'extractors')),
    },
    {
      name: 'golden',
      folder: path.join(repoRoot, 'test/fixtures/codegen/golden/expected'),
      ir: compiled(
        path.join(repoRoot, 'test/fixtures/codegen/golden/specs'),
        path.join(repoRoot, 'test/fixtures/codegen/contracts'),
      ),
    },
  ];
}

/**
 * A DAG file using something the version deprecates: it must fail to import, or the strict
 * warning filters of inspect_dags.py are not working.
 */
const CANARY: Record<2 | 3, string> = {
  2: `import pendulum
from airflow import DAG

DAG(dag_id="canary", schedule_interval="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
`,
  3: `import pendulum
from airflow import DAG
from airflow.hooks.base import BaseHook

DAG(dag_id="canary", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
`,
};

export interface KnownProblem {
  /** A line compareDag reports, exactly. */
  problem: string;
  /** Why it is still there and where it is tracked. */
  reason: string;
}

export function airflowSuite(
  tool: 'airflow-2' | 'airflow-3',
  major: 2 | 3,
  options: { version: RegExp; known: readonly KnownProblem[] },
): void {
  describe(`generated DAG files on Airflow ${major} (.venvs/${tool})`, () => {
    const folders = sources();
    let tmp = '';
    let report: AirflowReport;
    const folderOf = (name: string): AirflowFolder => {
      const index = folders.findIndex((source) => source.name === name);
      const folder = report.folders[index];
      if (folder === undefined) throw new Error(`no report for ${name}`);
      return folder;
    };

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), `${tool}-`));
      const canary = path.join(tmp, 'canary');
      mkdirSync(canary);
      writeFileSync(path.join(canary, 'deprecated.py'), CANARY[major]);
      report = await inspectDags(tool, tmp, RUN, [
        ...folders.map((source) => source.folder),
        canary,
      ]);
    });

    afterAll(() => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('is the locked Airflow and Docker provider', () => {
      expect(report.airflow_version).toMatch(options.version);
      expect(report.docker_provider_version).toMatch(/^4\.6\./);
    });

    it('fails a file that uses something this version deprecates (the filters work)', () => {
      const canary = report.folders.at(-1);
      const errors = Object.values(canary?.import_errors ?? {});
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        major === 2
          ? /RemovedInAirflow3Warning/
          : /DeprecatedImportWarning: .*airflow\.hooks\.base/,
      );
    });

    for (const source of folders) {
      it(`loads every ${source.name} file in a DagBag: no import error, no warning`, () => {
        const folder = folderOf(source.name);
        expect(folder.import_errors).toEqual({});
        expect(folder.serialization_errors).toEqual({});
        expect(folder.captured_warnings).toEqual({});
        expect(folder.other_warnings).toEqual([]);
        const files = readdirSync(source.folder)
          .filter((name) => name.endsWith('.py'))
          .sort();
        expect(files).toEqual(source.ir.dags.map((dag) => `${dag.dagId}.py`));
        expect(Object.keys(folder.dags).sort()).toEqual(source.ir.dags.map((dag) => dag.dagId));
        for (const dag of Object.values(folder.dags)) {
          expect(path.basename(dag.fileloc)).toBe(`${dag.dag_id}.py`);
        }
      });

      it(`serializes every ${source.name} DAG as the IR says (DAG/task/field)${major === 3 ? ', and its failure callback posts the run' : ''}`, () => {
        const folder = folderOf(source.name);
        const problems: string[] = [];
        for (const dag of source.ir.dags) {
          const airflow = folder.dags[dag.dagId];
          if (airflow === undefined) problems.push(`${dag.dagId}/-/-: not loaded by Airflow`);
          else problems.push(...compareDag(dag, airflow), ...compareFailureCallback(dag, folder));
        }
        const known = new Set(options.known.map((entry) => entry.problem));
        // New problems fail; a known one that is gone fails too, so its entry gets removed.
        expect(problems.filter((problem) => !known.has(problem))).toEqual([]);
        const found = new Set(problems);
        const relevant = options.known.filter((entry) =>
          source.ir.dags.some((dag) => entry.problem.startsWith(`${dag.dagId}/`)),
        );
        expect(relevant.filter((entry) => !found.has(entry.problem))).toEqual([]);
      });
    }
  });
}
