/**
 * The local runner's view of the DAG project (local/project.ts): everything, the images included,
 * comes through the compiler, so a malformed _project.yaml gets the compiler's diagnostics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadLocalProject, repoRoot, SpecError } from '../../local/project.js';

const specsDir = path.join(repoRoot, 'dag-specs');
const projectText = fs.readFileSync(path.join(specsDir, '_project.yaml'), 'utf8');
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** A specs folder with one shipped spec and `_project.yaml` as given. */
function specsWith(project: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-project-'));
  temps.push(dir);
  fs.copyFileSync(
    path.join(specsDir, 'oltp_to_clickhouse.yaml'),
    path.join(dir, 'oltp_to_clickhouse.yaml'),
  );
  fs.writeFileSync(path.join(dir, '_project.yaml'), project);
  return dir;
}

describe('loadLocalProject', () => {
  it('runs the images _project.yaml names, as the compiler read them', async () => {
    const project = await loadLocalProject();
    const { images } = parse(projectText) as { images: { extractor: string; dbt: string } };
    const options = project.planOptions({});
    expect(options.extractorImage).toBe(images.extractor);
    expect(options.dbtImage).toBe(images.dbt);
    expect(project.dags.length).toBeGreaterThan(0);
  });

  it('rejects a malformed _project.yaml with the compiler diagnostics, located', async () => {
    const noDbtImage = projectText.replace(/^ {2}dbt: .*$/m, '  dbt: 42');
    expect(noDbtImage).not.toBe(projectText);
    const load = loadLocalProject(specsWith(noDbtImage));
    await expect(load).rejects.toBeInstanceOf(SpecError);
    await expect(load).rejects.toThrow(/_project\.yaml:\d+:\d+: E003 images\.dbt: expected string/);

    const noImages = projectText.replace(/^images:\n(?: {2}.*\n)+/m, '');
    expect(noImages).not.toBe(projectText);
    await expect(loadLocalProject(specsWith(noImages))).rejects.toThrow(
      /_project\.yaml:\d+:\d+: E004 .*images/,
    );
  });
});
