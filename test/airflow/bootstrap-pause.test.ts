import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../codegen/index.js';
import { repoRoot } from '../support/repo-root.js';

/**
 * airflow-init pauses the DAGs that read an optional Variable or Connection left unset (listed
 * under `dags` in resources.json): those lists must be exactly the DAGs the specs make read them.
 * That real Airflow 3.3.2 pauses and resumes them is in bootstrap.test.ts.
 */
interface Entry {
  key?: string;
  conn_id?: string;
  required?: boolean;
  dags?: string[];
}
const resources = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'airflow/bootstrap/resources.json'), 'utf8'),
) as { variables: Entry[]; connections: Entry[] };

describe('resources.json: the DAGs paused while an optional value is unset', () => {
  it('lists, for every optional Variable and Connection, exactly the DAGs that read it', () => {
    const { ir } = loadProject({
      specsDir: path.join(repoRoot, 'dag-specs'),
      contractsDir: path.join(repoRoot, 'extractors'),
      displayBase: repoRoot,
    });
    if (!ir) throw new Error('specs do not compile');
    const readers = new Map<string, Set<string>>();
    const add = (name: string, dagId: string) =>
      readers.set(name, (readers.get(name) ?? new Set()).add(dagId));
    for (const dag of ir.dags) {
      for (const task of dag.tasks) {
        for (const { source } of task.secrets) {
          add(
            source.kind === 'variable' ? `variable ${source.key}` : `connection ${source.connId}`,
            dag.dagId,
          );
        }
      }
    }
    const entries = [
      ...resources.variables.map((v) => [`variable ${v.key}`, v] as const),
      ...resources.connections.map((c) => [`connection ${c.conn_id}`, c] as const),
    ];
    for (const [name, entry] of entries) {
      const expected = [...(readers.get(name) ?? [])].sort();
      if (entry.required === false) {
        expect([...(entry.dags ?? [])].sort(), name).toEqual(expected);
      } else {
        // Required values are never skipped, so they pause nothing.
        expect(entry.dags, name).toBeUndefined();
      }
    }
    // The DAGs of the optional sources are among them (the point of pausing).
    const paused = new Set(entries.flatMap(([, e]) => e.dags ?? []));
    expect(paused).toEqual(
      new Set([
        'facebook_ads_d1',
        'facebook_ads_d2',
        'google_ads_daily',
        'google_analytics_daily',
        'google_play_daily',
        'http_export_daily',
        'app_store_daily',
        'clevertap_daily',
      ]),
    );
  });
});
