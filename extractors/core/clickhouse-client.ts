import path from 'node:path';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import {
  CLUSTER_CLIENT_SETTINGS,
  clusterLayout,
  parseClusterName,
  setTableLayout,
} from './cluster.js';
import { ConfigError, describeError } from './errors.js';
import { withLocalStack } from './local-stack.js';

type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

/**
 * Where ClickHouse lives. With `CLICKHOUSE_URL` set we talk to that server; without it to an
 * embedded engine (chdb) whose data folder is `CLICKHOUSE_PATH`. One code path serves both,
 * because chdb plugs into @clickhouse/client as a connection.
 */
export interface ClickHouseSettings {
  url?: string;
  user?: string;
  password?: string;
  database?: string;
  /** Data folder of the embedded engine; only used without `url`. */
  path: string;
  /** A ClickHouse configuration file for the embedded engine (`CLICKHOUSE_CONFIG_FILE`, e.g.
   *  the named collection `extract postgres --pull-collection` reads); a server has its own. */
  configFile?: string;
  /** `CLICKHOUSE_CLUSTER`: the cluster (a server's `remote_servers` entry) the extractors make
   *  their tables on, replicated and distributed (cluster.ts). Unset: one server. */
  cluster?: string;
}

export const DEFAULT_EMBEDDED_PATH = '.data/clickhouse';

/** With neither CLICKHOUSE_URL nor CLICKHOUSE_PATH set, a running local stack
 *  (`npm run local -- up`) is used, with its user and password (local-stack.ts). */
export function clickHouseSettingsFromEnv(
  given: NodeJS.ProcessEnv = process.env,
): ClickHouseSettings {
  const env = withLocalStack(given);
  return {
    url: env.CLICKHOUSE_URL || undefined,
    user: env.CLICKHOUSE_USER || undefined,
    password: env.CLICKHOUSE_PASSWORD || undefined,
    database: env.CLICKHOUSE_DATABASE || undefined,
    path: path.resolve(env.CLICKHOUSE_PATH || DEFAULT_EMBEDDED_PATH),
    configFile: env.CLICKHOUSE_CONFIG_FILE ? path.resolve(env.CLICKHOUSE_CONFIG_FILE) : undefined,
    ...(env.CLICKHOUSE_CLUSTER && { cluster: parseClusterName(env.CLICKHOUSE_CLUSTER) }),
  };
}

/** Row batches carry timestamps as the APIs spell them (ISO 8601 with a `Z` or an offset), which
 *  the basic parser does not read. Encoded batches, all plain UTC text, override it (writer.ts). */
const CLIENT_SETTINGS = { date_time_input_format: 'best_effort' } as const;

export async function createClickHouseClient(
  settings: ClickHouseSettings,
): Promise<ClickHouseClient> {
  if (settings.url) {
    const client = createClient({
      url: settings.url,
      username: settings.user ?? 'default',
      password: settings.password ?? '',
      database: settings.database ?? 'default',
      clickhouse_settings: settings.cluster
        ? { ...CLIENT_SETTINGS, ...CLUSTER_CLIENT_SETTINGS }
        : CLIENT_SETTINGS,
      // Errors reach our JSON log through the thrown error; the client's own plain-text
      // logger would break the one-JSON-object-per-line stderr.
      log: { level: ClickHouseLogLevel.OFF },
    });
    if (settings.cluster) setTableLayout(client, clusterLayout(settings.cluster));
    return client;
  }
  if (settings.cluster) {
    throw new ConfigError(
      `CLICKHOUSE_CLUSTER is set (${settings.cluster}) but CLICKHOUSE_URL is not: the embedded engine is one process, not a cluster member; set CLICKHOUSE_URL to a server of the cluster or unset CLICKHOUSE_CLUSTER`,
    );
  }
  // Imported lazily: chdb is a dev dependency (a large native library) that the extractor
  // image, which always has a server, does not ship.
  let chdb: typeof import('chdb/connection');
  try {
    chdb = await import('chdb/connection');
  } catch (error) {
    throw new Error(
      `CLICKHOUSE_URL is not set and the embedded engine (chdb) is not installed here (${describeError(error)}); set CLICKHOUSE_URL to a ClickHouse server`,
    );
  }
  // The connection takes no engine arguments; the engine is one per process and the first
  // session's arguments configure it, so a session opened first carries the file.
  if (settings.configFile) {
    const { Session } = await import('chdb');
    try {
      configuredEngines.push(
        new Session(settings.path, { connectionArgs: [`--config-file=${settings.configFile}`] }),
      );
    } catch (error) {
      throw new ConfigError(
        `CLICKHOUSE_CONFIG_FILE ${settings.configFile}: the embedded engine does not start with it (${describeError(error)})`,
      );
    }
  }
  const { createChdbConnection } = chdb;
  const connection = createChdbConnection({ path: settings.path });
  const client = createClient({
    // chdb types its connection against @clickhouse/client-common, which @clickhouse/client
    // now bundles under another path; the shapes are the same at run time.
    connection: connection as unknown as ClientConnection,
    clickhouse_settings: CLIENT_SETTINGS,
  });
  rawInserts.set(client, (params) => connection.chdb.rawInsert(params));
  return client;
}

/** Sessions that configured the embedded engine; kept open for the life of the process. */
const configuredEngines: unknown[] = [];

/** A bulk insert of bytes already in a ClickHouse text format. */
export type RawInsert = (params: {
  table: string;
  columns: readonly string[];
  format: 'TabSeparated' | 'JSONEachRow';
  values: Buffer;
  settings?: Record<string, string | number>;
}) => Promise<unknown>;

const rawInserts = new WeakMap<ClickHouseClient, RawInsert>();

/**
 * The embedded engine's zero-copy insert (the Buffer goes to chdb's parallel parser as is),
 * when `client` is embedded; through the client's connection a body is first turned into one
 * big SQL string. Undefined for a server, where `client.insert` already streams the bytes.
 */
export function rawInsertFor(client: ClickHouseClient): RawInsert | undefined {
  return rawInserts.get(client);
}

/** Human-readable target for logs; never includes the password. */
export function describeClickHouse(settings: ClickHouseSettings): string {
  if (!settings.url) return `embedded ClickHouse at ${settings.path}`;
  const cluster = settings.cluster ? ` (cluster ${settings.cluster})` : '';
  try {
    const u = new URL(settings.url);
    return `ClickHouse server ${u.protocol}//${u.host}${cluster}`;
  } catch {
    return `ClickHouse server (unparseable CLICKHOUSE_URL)${cluster}`;
  }
}
