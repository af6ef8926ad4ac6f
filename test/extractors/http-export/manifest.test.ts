/**
 * The manifest: its JSON Schema (what the backend's developers read) is the zod schema the
 * loader validates with, the example manifest fits both, and a malformed manifest served by the
 * backend is a located error (JSON path, dataset) with exit 2 and nothing written.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
// ajv (a dev dependency); draft 2020-12 is what z.toJSONSchema writes.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { manifestShape, parseManifest } from '../../../extractors/http-export/manifest.js';
import { EXAMPLE_MANIFEST, ROOT, useExportTest } from './support.js';

const schemaFile = JSON.parse(
  readFileSync(path.join(ROOT, 'extractors/http-export/manifest.schema.json'), 'utf8'),
) as Record<string, unknown>;

const dataset = (changes: Record<string, unknown>) => ({
  ...EXAMPLE_MANIFEST,
  datasets: [{ ...EXAMPLE_MANIFEST.datasets[0], ...changes }, EXAMPLE_MANIFEST.datasets[1]],
});

/** Malformed manifests: the located problem each must report. */
const MALFORMED: [string, unknown, string][] = [
  [
    'no primary key',
    dataset({ primary_key: [] }),
    '$.datasets[0].primary_key (dataset "orders"): must list at least one field',
  ],
  [
    'unknown strategy',
    dataset({ strategy: 'weekly' }),
    '$.datasets[0].strategy (dataset "orders"): Invalid discriminator value',
  ],
  [
    'incremental without watermark',
    dataset({ watermark: undefined }),
    '$.datasets[0].watermark (dataset "orders"): missing (expected a string)',
  ],
  [
    'endpoint on another host',
    dataset({ endpoint: 'https://elsewhere.example/x/' }),
    '$.datasets[0].endpoint (dataset "orders"): must be a path on the backend',
  ],
  [
    'unknown field type',
    dataset({ fields: { amount: 'money' } }),
    '$.datasets[0].fields.amount (dataset "orders"): Invalid option',
  ],
  [
    'misspelt key',
    dataset({ primary_keys: ['id'] }),
    '$.datasets[0] (dataset "orders"): Unrecognized key: "primary_keys"',
  ],
  [
    'duplicate names',
    dataset({ name: 'plans' }),
    '$.datasets[1].name (dataset "plans"): is the name of an earlier dataset',
  ],
  ['not an object', ['orders'], '$: expected an object, got a list'],
];

describe('http-export manifest', () => {
  it('manifest.schema.json is the zod schema as JSON Schema', () => {
    const { title, ...generated } = schemaFile;
    expect(title).toBe('http-export manifest');
    expect(generated).toEqual(z.toJSONSchema(manifestShape));
  });

  it('the example manifest fits the JSON Schema and the loader', () => {
    const validate = new Ajv2020({ strict: false }).compile(schemaFile);
    expect(validate(EXAMPLE_MANIFEST), JSON.stringify(validate.errors)).toBe(true);
    expect(parseManifest(EXAMPLE_MANIFEST, 'example').datasets.map((d) => d.name)).toEqual([
      'orders',
      'plans',
    ]);
  });

  it.each(MALFORMED)(
    '%s: located error from the loader, and the JSON Schema rejects it too',
    (_name, manifest, problem) => {
      expect(() => parseManifest(manifest, '/m/')).toThrow(problem);
      // Unique names are the one rule the JSON Schema states only in words.
      if (!problem.includes('earlier dataset')) {
        expect(new Ajv2020({ strict: false }).compile(schemaFile)(manifest)).toBe(false);
      }
    },
  );
});

describe('a malformed manifest served by the backend', () => {
  const t = useExportTest();

  it('is exit 2 with the JSON path and dataset, and nothing is written', async () => {
    t.fake.manifest = dataset({ primary_key: [] });
    const run = await t.run();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'manifest /internal/analytics/exports/manifest/ is malformed: $.datasets[0].primary_key (dataset \\"orders\\"): must list at least one field',
    );
    expect(t.fake.requests.map((r) => r.path)).toEqual(['/internal/analytics/exports/manifest/']);
    expect(
      await t.loaded(
        "SELECT name FROM system.tables WHERE database = 'raw' AND name LIKE 'http_export_%'",
      ),
    ).toEqual([]);
  });

  it('--datasets naming a dataset the manifest lacks is exit 2, nothing read', async () => {
    const run = await t.run(['--datasets', 'orders,refunds']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--datasets names refunds, which manifest');
    expect(t.fake.requests).toHaveLength(1);
  });
});
