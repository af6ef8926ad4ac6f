import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadProject } from '../../codegen/index.js';
import type { Arg, IrTask } from '../../codegen/ir.js';
import { readYaml, repoRoot } from './stack-files.js';

/**
 * The ad-platform DAGs run `extract <source> --group G --accounts-file F` in the extractor
 * image. That only works when the image holds F, F has group G for that source, and the task
 * hands the container every credential variable the group names.
 */

const { ir, diagnostics } = loadProject({
  specsDir: path.join(repoRoot, 'dag-specs'),
  contractsDir: path.join(repoRoot, 'extractors'),
  displayBase: repoRoot,
});

function flagValue(task: IrTask, flag: string): string | undefined {
  const index = task.command.findIndex((arg: Arg) => arg === `--${flag}`);
  const value = index >= 0 ? task.command[index + 1] : undefined;
  return typeof value === 'string' ? value : undefined;
}

const accountTasks = (ir?.dags ?? [])
  .flatMap((dag) => dag.tasks.map((task) => ({ name: `${dag.dagId}.${task.taskId}`, task })))
  .filter(({ task }) => task.kind === 'extract' && flagValue(task, 'accounts-file') !== undefined);

const dockerfile = fs.readFileSync(path.join(repoRoot, 'extractors/Dockerfile'), 'utf8');
const dockerignore = fs.readFileSync(
  path.join(repoRoot, 'extractors/Dockerfile.dockerignore'),
  'utf8',
);

describe('ad-platform account groups in the shipped DAGs', () => {
  it('the specs compile and some tasks read an accounts file', () => {
    expect(diagnostics.filter((d) => d.code.startsWith('E')).map(formatDiagnostic)).toEqual([]);
    expect(accountTasks.map(({ task }) => task.source)).toEqual(
      expect.arrayContaining(['facebook-ads', 'google-ads', 'google-analytics']),
    );
  });

  it.each(accountTasks.map(({ name, task }) => [name, task] as const))(
    '%s: the image holds the file, the file has the group, the task passes its credentials',
    (_id, task) => {
      const file = flagValue(task, 'accounts-file') as string;
      const group = flagValue(task, 'group');
      expect(path.isAbsolute(file), `${file} is relative to the image's WORKDIR /app`).toBe(false);
      expect(dockerfile).toContain(`COPY ${file} ./${file}`);
      expect(dockerignore.split('\n')).toContain(`!${file}`);

      const document = readYaml<
        Record<string, Record<string, { credentials: Record<string, string> }>>
      >(path.join(repoRoot, file));
      expect(group, `${task.taskId} passes --group`).toBeDefined();
      const entry = document[task.source as string]?.[group as string];
      expect(entry, `${file} has ${task.source}.${group}`).toBeDefined();
      const passed = task.secrets.map((secret) => secret.env);
      expect(passed).toEqual(expect.arrayContaining(Object.values(entry?.credentials ?? {})));
    },
  );
});
