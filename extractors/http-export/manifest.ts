/**
 * The manifest the backend serves: which datasets exist, where, their key, watermark and
 * strategy. Declared once here with zod; `manifest.schema.json` is the same schema as JSON Schema
 * for the backend's developers (test/extractors/http-export/manifest.test.ts keeps the two equal
 * through `z.toJSONSchema`). A manifest that does not fit is a `ConfigError` (exit 2) naming the
 * JSON path of the offending field and the dataset it belongs to.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { plainIssueMessages } from '../core/issues.js';

/** A field of the exported rows, as a column name. */
const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a field name (letters, digits, _)')
  .max(128);

/** Types a manifest may declare for a field, where inference from the values could guess wrong
 *  (an amount that is sometimes whole, a code that looks like a number). */
export const fieldType = z
  .enum(['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'json'])
  .describe(
    'string: String; integer: Int64; number: Float64; boolean: Bool; date: Date32 (YYYY-MM-DD); datetime: DateTime64(6, UTC) (ISO 8601); json: any JSON value, stored as its JSON text.',
  );
export type FieldType = z.output<typeof fieldType>;

const common = {
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'must be lower case letters, digits and _')
    .max(64)
    .describe('Dataset name: the stream and the table suffix. Unique within the manifest.'),
  description: z.string().optional(),
  endpoint: z
    .string()
    .regex(
      /^\/(?!\/)[^?#\s]*$/,
      'must be a path on the backend starting with one / (no host, query or fragment)',
    )
    .describe(
      'Path of the dataset on the backend, answered DRF-style: {"results": [...], "next": url or null}; the first page is asked with ?page_size=N.',
    ),
  primary_key: z
    .array(fieldName)
    .min(1, 'must list at least one field')
    .describe('Fields identifying a row; every row must have them (not null).'),
  fields: z
    .record(fieldName, fieldType)
    .optional()
    .describe('Declared types of some fields; the others are inferred from their values.'),
};

const incrementalDataset = z
  .object({
    ...common,
    strategy: z.literal('incremental'),
    watermark: fieldName.describe(
      'Field that grows when a row is created or changed (updated_at, id); the next run asks for rows at or above the highest value loaded.',
    ),
    watermark_param: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'must be a query parameter name')
      .optional()
      .describe('Query parameter filtering on the watermark, inclusive. Default <watermark>__gte.'),
  })
  .strict();

const fullDataset = z
  .object({ ...common, strategy: z.literal('full') })
  .strict()
  .describe('Read completely every run; rows no longer served are tombstoned.');

export const datasetSchema = z.discriminatedUnion('strategy', [incrementalDataset, fullDataset]);
export type Dataset = z.output<typeof datasetSchema>;

/** The schema without the cross-field rules JSON Schema cannot say (see `manifestSchema`). */
export const manifestShape = z
  .object({
    $schema: z.string().optional().describe('Where editors find this schema; ignored.'),
    version: z.literal(1).describe('Format version of this manifest.'),
    datasets: z.array(datasetSchema).min(1, 'must list at least one dataset'),
  })
  .strict()
  .describe(
    'The datasets an analytics export API serves to `extract http-export`. Dataset names must be unique, and so must the fields of a primary key.',
  );

/** Plus: dataset names unique, primary key fields unique (stated in the JSON Schema's text). */
export const manifestSchema = manifestShape.superRefine((manifest, ctx) => {
  const seen = new Set<string>();
  manifest.datasets.forEach((dataset, index) => {
    if (seen.has(dataset.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['datasets', index, 'name'],
        message: 'is the name of an earlier dataset; names must be unique',
      });
    }
    seen.add(dataset.name);
    if (new Set(dataset.primary_key).size !== dataset.primary_key.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['datasets', index, 'primary_key'],
        message: 'names a field twice',
      });
    }
  });
});
export type Manifest = z.output<typeof manifestSchema>;

/** `$.datasets[1].primary_key[0]`: a zod path as a JSON path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return `$${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}`;
}

/** The name of the dataset a path points into, when the served value has one. */
function datasetNameAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'datasets' || typeof path[1] !== 'number') return undefined;
  const datasets = (raw as { datasets?: unknown } | null)?.datasets;
  if (!Array.isArray(datasets)) return undefined;
  const name = (datasets[path[1]] as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.slice(0, 64) : undefined;
}

/** The served JSON as a manifest, or a ConfigError locating every problem. */
export function parseManifest(raw: unknown, where: string): Manifest {
  const result = manifestSchema.safeParse(raw, { error: plainIssueMessages });
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map((issue) => {
    const dataset = datasetNameAt(raw, issue.path);
    return `${jsonPath(issue.path)}${dataset ? ` (dataset "${dataset}")` : ''}: ${issue.message}`;
  });
  throw new ConfigError(`manifest ${where} is malformed: ${problems.join('; ')}`);
}

/** The manifest's datasets the run selects (`--datasets`), or a ConfigError naming unknown ones. */
export function selectDatasets(
  manifest: Manifest,
  wanted: readonly string[] | undefined,
  where: string,
): Dataset[] {
  if (!wanted) return manifest.datasets;
  const names = new Set(manifest.datasets.map((d) => d.name));
  const unknown = wanted.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `--datasets names ${unknown.join(', ')}, which manifest ${where} does not list (it lists ${[...names].join(', ')})`,
    );
  }
  return manifest.datasets.filter((d) => wanted.includes(d.name));
}
