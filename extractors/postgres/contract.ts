import type { SourceContract } from '../core/contract.js';

export const contract = {
  source: 'postgres',
  description:
    'The ad-tech OLTP database (advertiser, campaign, impressions, clicks) from PostgreSQL: id-incremental for impressions/clicks, snapshot diff with tombstones for advertiser/campaign.',
  flags: {
    'batch-size': {
      type: 'integer',
      description:
        'Rows per PostgreSQL read and per ClickHouse insert; bounds memory (about 100 bytes a row).',
      default: 100000,
      env: 'PG_BATCH_SIZE',
    },
    streams: {
      type: 'list',
      description: 'Streams to load, comma-separated: advertiser, campaign, impressions, clicks.',
      default: 'advertiser,campaign,impressions,clicks',
      env: 'PG_STREAMS',
    },
    transfer: {
      type: 'enum',
      values: ['auto', 'copy', 'clickhouse-pull'],
      description:
        'How new impressions/clicks travel: `clickhouse-pull` has ClickHouse read them itself with the postgresql() table function over the named collection --pull-collection (fastest; ClickHouse must reach PostgreSQL); `copy` streams COPY output through the extractor; `auto` pulls when --pull-collection is set and copies otherwise.',
      default: 'auto',
      env: 'PG_TRANSFER',
    },
    'pull-collection': {
      type: 'string',
      description:
        "A named collection in the ClickHouse server's configuration that holds the PostgreSQL connection for clickhouse-pull (host, port, database, user, password; see README). The password stays in ClickHouse's configuration: no query carries it.",
      env: 'PG_PULL_COLLECTION',
    },
    'full-check-hours': {
      type: 'integer',
      description:
        'impressions/clicks: at most this many hours between two full comparisons of the loaded ids with PostgreSQL. In between, a run compares old ids only when the table shows deletions (pg_stat_user_tables, TRUNCATE) or when transactions that were writing at an earlier run have ended (late commits); 0 compares every run.',
      default: 24,
      env: 'PG_FULL_CHECK_HOURS',
    },
    schema: {
      type: 'string',
      description: 'PostgreSQL schema that holds the four tables.',
      default: 'public',
      env: 'PG_SCHEMA',
    },
    mode: {
      type: 'enum',
      values: ['watermark', 'cdc'],
      description:
        '`watermark`: id watermarks and snapshot diffs (no setup on PostgreSQL). `cdc`: change data capture by logical replication: every insert, update, delete and truncate since the last run, from the slot --cdc-slot create made (needs wal_level = logical). Both write the same raw tables.',
      default: 'watermark',
      env: 'PG_MODE',
    },
    'cdc-slot': {
      type: 'enum',
      values: ['create', 'status', 'drop'],
      description:
        'CDC mode set-up, then exit: `create` makes the publication and the replication slot and loads the initial snapshot consistent with it; `status` prints the slot and its lag in bytes; `drop` removes slot and publication (an abandoned slot keeps WAL on the PostgreSQL disk).',
    },
    'cdc-slot-name': {
      type: 'string',
      description: 'CDC mode: the logical replication slot (pgoutput).',
      default: 'adtech_cdc',
      env: 'PG_CDC_SLOT',
    },
    'cdc-publication': {
      type: 'string',
      description: 'CDC mode: the publication of the tables.',
      default: 'adtech_cdc',
      env: 'PG_CDC_PUBLICATION',
    },
    'cdc-max-seconds': {
      type: 'integer',
      description:
        'CDC mode: a run streams until it reaches the WAL position PostgreSQL had when it began, or for at most this many seconds; then it confirms what it wrote and exits 0.',
      default: 3600,
      minimum: 1,
      env: 'PG_CDC_MAX_SECONDS',
    },
  },
  secrets: [
    {
      env: 'PG_URL',
      description:
        'postgresql://user:password@host:port/database; without it the standard PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables are used.',
      required: true,
      unlessGiven: ['PGHOST'],
    },
    {
      env: 'PGPASSWORD',
      description: 'Password when PG_URL is not set.',
      required: false,
    },
  ],
  tables: [
    {
      table: 'raw.postgres_advertiser',
      stream: 'advertiser',
      description: 'Advertisers; changed rows per run, deletions as tombstones (_deleted = 1).',
    },
    {
      table: 'raw.postgres_campaign',
      stream: 'campaign',
      description: 'Campaigns; changed rows per run, deletions as tombstones (_deleted = 1).',
    },
    {
      table: 'raw.postgres_impressions',
      stream: 'impressions',
      description: 'Impressions, incremental on id; deleted ids as tombstones (_deleted = 1).',
    },
    {
      table: 'raw.postgres_clicks',
      stream: 'clicks',
      description: 'Clicks, incremental on id; deleted ids as tombstones (_deleted = 1).',
    },
  ],
} as const satisfies SourceContract;
