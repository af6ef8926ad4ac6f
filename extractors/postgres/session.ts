import type pg from 'pg';
import type { PullTarget } from './client.js';

/** What every PostgreSQL stream reads with: one connection per run and the run's settings. */
export interface PgSession {
  client: pg.Client;
  schema: string;
  batchSize: number;
  /** Set with `--transfer clickhouse-pull`. */
  pull?: PullTarget;
  /** Longest time between two full deletion checks of the id streams. */
  fullCheckHours: number;
}
