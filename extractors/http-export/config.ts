/**
 * `extract http-export` config: the flag record (see contract.ts) validated with the zod shape
 * derived from the contract, plus the rules a shape cannot say (names ClickHouse accepts).
 */
import { z } from 'zod';
import { listFlag, retrySettings } from '../ad-platforms/config.js';
import type { RetryPolicy } from '../ad-platforms/retry.js';
import { flagConfigShape } from '../core/flag-config.js';
import { contract } from './contract.js';

export interface HttpExportConfig {
  /** Without a trailing slash. */
  readonly baseUrl: string;
  readonly manifestPath: string;
  /** Undefined: every dataset of the manifest. */
  readonly datasets?: readonly string[];
  readonly pageSize: number;
  readonly database: string;
  readonly tablePrefix: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
}

const identifier = /^[a-z_][a-z0-9_]*$/;

export const httpExportConfigSchema: z.ZodType<HttpExportConfig> = z
  .object({
    ...flagConfigShape(contract.flags),
    'base-url': z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must be an http(s) URL'),
    'manifest-path': z.string().startsWith('/', 'must be a path starting with /'),
    datasets: listFlag.optional(),
    database: z.string().regex(identifier, 'must be a plain ClickHouse name (a-z, 0-9, _)'),
    'table-prefix': z.string().regex(/^[a-z0-9_]*$/, 'may hold only a-z, 0-9 and _'),
  })
  .transform((flags) => ({
    baseUrl: flags['base-url'].replace(/\/+$/, ''),
    manifestPath: flags['manifest-path'],
    datasets: flags.datasets && flags.datasets.length > 0 ? flags.datasets : undefined,
    pageSize: flags['page-size'],
    database: flags.database,
    tablePrefix: flags['table-prefix'],
    ...retrySettings(flags),
  }));
