import { retryFlags } from '../ad-platforms/contract-flags.js';
import type { SourceContract } from '../core/contract.js';

/**
 * What `extract http-export` accepts and writes: a generic loader for the analytics export API
 * of the company's own backend. The backend serves a manifest (format: manifest.schema.json)
 * listing its datasets; each becomes one stream and one table `<database>.<table-prefix><name>`
 * whose columns are inferred from the data. Data the DAG compiler reads statically (see
 * extractors/core/contract.ts), so `tables` lists the tables of the example manifest
 * (config/http-export-manifest.example.json); a backend serving other datasets writes theirs.
 */
export const contract = {
  source: 'http-export',
  description:
    "A backend's own analytics export API, driven by the manifest it serves (datasets with endpoint, primary key, watermark and strategy); column types inferred from the data, tables evolved as fields appear.",
  flags: {
    'base-url': {
      type: 'string',
      description:
        'The backend, e.g. https://api.example.com; the manifest path and every dataset endpoint are resolved against it, and paging links must stay on it.',
      env: 'HTTP_EXPORT_BASE_URL',
      required: true,
      format: 'url',
    },
    'manifest-path': {
      type: 'string',
      description: 'Path of the manifest on the backend.',
      default: '/internal/analytics/exports/manifest/',
      env: 'HTTP_EXPORT_MANIFEST_PATH',
    },
    datasets: {
      type: 'list',
      description:
        'Datasets of the manifest to load, comma-separated. Default: every dataset it lists.',
    },
    'page-size': {
      type: 'integer',
      description:
        'Rows asked per page (`page_size` query parameter) and written per insert; bounds memory.',
      default: 1000,
      minimum: 1,
      maximum: 100000,
    },
    database: {
      type: 'string',
      description: 'ClickHouse database of the tables.',
      default: 'raw',
    },
    'table-prefix': {
      type: 'string',
      description: 'Table name before the dataset name: `<database>.<prefix><dataset>`.',
      default: 'http_export_',
    },
    ...retryFlags,
  },
  secrets: [
    {
      env: 'HTTP_EXPORT_BASE_URL',
      description:
        "The backend's address, read by --base-url: not secret, but the stack keeps it with the token (an Airflow Variable set from .env).",
      required: false,
    },
    {
      env: 'HTTP_EXPORT_TOKEN',
      description: 'Bearer token the backend accepts for its export API (Authorization header).',
      required: true,
    },
  ],
  tables: [
    {
      table: 'raw.http_export_orders',
      stream: 'orders',
      description:
        'Example manifest: orders, incremental on updated_at; one row per order id, latest version wins.',
    },
    {
      table: 'raw.http_export_plans',
      stream: 'plans',
      description:
        'Example manifest: plans, full snapshot each run; plans gone from the backend get a tombstone (_deleted = 1).',
    },
  ],
} as const satisfies SourceContract;
