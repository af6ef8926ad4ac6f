import type pg from 'pg';

/** What every PostgreSQL stream reads with: one connection per run and the run's settings. */
export interface PgSession {
  client: pg.Client;
  schema: string;
  batchSize: number;
  /** Set when ClickHouse pulls: the named collection holding the PostgreSQL connection. */
  pull?: PullTarget;
  /** Longest time between two full deletion checks of the id streams. */
  fullCheckHours: number;
}

/** ClickHouse's way to PostgreSQL: a named collection in its own configuration. */
export interface PullTarget {
  collection: string;
  /** `--transfer clickhouse-pull` given: pull even a few rows. With `auto`, new ids that fit in
   *  one copy batch are copied instead (cheaper than ClickHouse opening its own connection). */
  always: boolean;
}
