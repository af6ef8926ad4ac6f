import type { FlagContract } from './contract.js';

/**
 * Flags every source accepts in addition to its own contract's flags. Read statically by the
 * DAG compiler like a source contract, so it must stay a plain literal.
 */
export const commonFlags = {
  'run-id': {
    type: 'string',
    description:
      'Identifier of this run, stored in `_run_id` on every row (Airflow passes its run_id).',
    env: 'EXTRACT_RUN_ID',
  },
  'init-only': {
    type: 'boolean',
    description:
      "Create the source's raw tables and the state table, then exit without reading the source (a fresh stack's dbt needs them before the first load).",
    default: false,
  },
  'log-level': {
    type: 'enum',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    description: 'Lowest level written to the JSON log on stderr.',
    env: 'LOG_LEVEL',
  },
} as const satisfies Readonly<Record<string, FlagContract>>;
