/**
 * The extractor image, checked without Docker: the Dockerfile's promises (multi-stage on a
 * pinned Node LTS, production dependencies only, non-root, ENTRYPOINT extract, generate on
 * PATH), and that the compiled JavaScript it ships runs: both CLIs start from `dist` with
 * `node` alone.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = await readFile(path.join(root, 'extractors/Dockerfile'), 'utf8');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
// Inside the repository (under the ignored .data/) so the compiled files find node_modules.
await mkdir(path.join(root, '.data'), { recursive: true });
const out = await mkdtemp(path.join(root, '.data', 'extractors-build-'));
afterAll(() => rm(out, { recursive: true, force: true }));

test('Dockerfile: multi-stage on a pinned Node LTS, prod deps only, non-root, ENTRYPOINT extract', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  expect(stages.length).toBeGreaterThanOrEqual(2);
  expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-bookworm-slim$/m);
  // Every stage uses the one pinned base named by the ARG (a Docker variable, not JavaScript).
  expect(new Set(stages)).toEqual(new Set(['$' + '{NODE_IMAGE}']));
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["extract"\]$/m);
  expect(dockerfile).toMatch(/\/usr\/local\/bin\/generate/);
  // The embedded engine must stay out of the image: it is a dev dependency.
  expect(pkg.devDependencies.chdb).toBeDefined();
  expect(pkg.dependencies.chdb).toBeUndefined();
  expect(pkg.dependencies['pg-copy-streams']).toBeDefined();
});

test('the compiled CLIs run with plain node', async () => {
  await execa(
    path.join(root, 'node_modules/.bin/tsc'),
    ['-p', 'tsconfig.build.json', '--outDir', out],
    {
      cwd: root,
    },
  );
  const extract = await execa('node', [path.join(out, 'extractors/cli.js'), '--help'], {
    cwd: root,
  });
  expect(extract.stdout).toMatch(/Sources:\n {2}postgres/);
  const postgresHelp = await execa(
    'node',
    [path.join(out, 'extractors/cli.js'), 'postgres', '--help'],
    {
      cwd: root,
    },
  );
  expect(postgresHelp.stdout).toMatch(/--batch-size <integer>/);
  const generate = await execa('node', [path.join(out, 'generator/cli.js'), '--help'], {
    cwd: root,
  });
  expect(generate.stdout).toMatch(/reset/);
  // The build script ships the schema next to the compiled generator, where it reads it from.
  expect(pkg.scripts.build).toContain(
    "copyFileSync('generator/schema.sql','dist/generator/schema.sql')",
  );
});
