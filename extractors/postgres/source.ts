import { z } from 'zod';
import { registerSecret } from '../core/redact.js';
import type { SourceDefinition } from '../core/source.js';
import { refuseAfterCdc } from './cdc/guard.js';
import { connect } from './client.js';
import { contract } from './contract.js';
import type { PgSession } from './session.js';
import { streams } from './streams.js';

const STREAM_NAMES = ['advertiser', 'campaign', 'impressions', 'clicks'] as const;

export interface PostgresConfig {
  batchSize: number;
  transfer: 'auto' | 'copy' | 'clickhouse-pull';
  pullCollection?: string;
  fullCheckHours: number;
  streams: ReadonlyArray<(typeof STREAM_NAMES)[number]>;
  schema: string;
  mode: 'watermark' | 'cdc';
  cdc: CdcConfig;
}

export interface CdcConfig {
  /** A set-up command instead of a run. */
  command?: 'create' | 'status' | 'drop';
  slot: string;
  publication: string;
  maxSeconds: number;
}

/** Slot and publication names are PostgreSQL identifiers that need no quoting. */
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _ (at most 63)');

const config = z
  .object({
    'batch-size': z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(5_000_000, 'must be at most 5000000'),
    streams: z.array(z.enum(STREAM_NAMES, `must list streams among ${STREAM_NAMES.join(', ')}`)),
    transfer: z.enum(['auto', 'copy', 'clickhouse-pull']),
    'pull-collection': z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
        'must be a ClickHouse identifier (letters, digits, _)',
      )
      .optional(),
    'full-check-hours': z.number().int().min(0, 'must be 0 or more'),
    schema: z.string().min(1),
    mode: z.enum(['watermark', 'cdc']),
    'cdc-slot': z.enum(['create', 'status', 'drop']).optional(),
    'cdc-slot-name': identifier,
    'cdc-publication': identifier,
    'cdc-max-seconds': z.number().int().min(1, 'must be at least 1'),
  })
  .refine((flags) => flags.transfer !== 'clickhouse-pull' || flags['pull-collection'], {
    message:
      'needs --pull-collection: the named collection in the ClickHouse server configuration that holds the PostgreSQL connection (README, "ClickHouse reads PostgreSQL itself"), or use --transfer copy',
    path: ['transfer'],
  })
  .transform(
    (flags): PostgresConfig => ({
      batchSize: flags['batch-size'],
      transfer: flags.transfer,
      pullCollection: flags['pull-collection'],
      fullCheckHours: flags['full-check-hours'],
      streams: flags.streams,
      schema: flags.schema,
      // A set-up command is CDC mode's.
      mode: flags['cdc-slot'] ? 'cdc' : flags.mode,
      cdc: {
        command: flags['cdc-slot'],
        slot: flags['cdc-slot-name'],
        publication: flags['cdc-publication'],
        maxSeconds: flags['cdc-max-seconds'],
      },
    }),
  );

export const postgresSource: SourceDefinition<PostgresConfig, PgSession> = {
  contract,
  config,
  // One database per run; the state key's account is fixed.
  accounts: () => ['default'],
  async open(cfg, _account, { env }) {
    const client = await connect(env);
    // The password may come inside PG_URL; keep it out of every log line from here on.
    registerSecret(client.password ?? undefined);
    return {
      client,
      schema: cfg.schema,
      batchSize: cfg.batchSize,
      fullCheckHours: cfg.fullCheckHours,
      // `auto` pulls when a collection is named (and leaves small increments to COPY).
      pull:
        cfg.transfer !== 'copy' && cfg.pullCollection
          ? { collection: cfg.pullCollection, always: cfg.transfer === 'clickhouse-pull' }
          : undefined,
    };
  },
  async close(session) {
    await session.client.end();
  },
  streams: (cfg) => {
    const selected = selectStreams(cfg);
    // Watermark runs must not write under rows CDC mode wrote (their versions would lose).
    return cfg.mode === 'cdc' ? selected : selected.map(refuseAfterCdc);
  },
  async command(cfg, context) {
    if (cfg.mode !== 'cdc') return undefined;
    const { runCdc } = await import('./cdc/command.js');
    return runCdc(cfg, selectStreams(cfg), context);
  },
};

function selectStreams(cfg: PostgresConfig) {
  return streams.filter((stream) => (cfg.streams as readonly string[]).includes(stream.name));
}
