import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ConfigError, describeError, RuntimeFailure } from '../core/errors.js';

/**
 * The PostgreSQL side of the source: connecting (PG_URL or PG* variables), turning driver errors
 * into located messages with the right exit code, schema checks, and streaming reads.
 */

/** Every value as PostgreSQL's text form: no Date objects shifted into the local zone, no float
 *  rounding of NUMERIC. ClickHouse parses the same text. */
const textTypes: pg.CustomTypesConfig = {
  getTypeParser: () => (value: string | Buffer) => String(value),
};

export type TextRow = Record<string, string | null>;

/**
 * Why PG_URL cannot be a connection string, or null when the driver may parse it. The driver
 * resolves what it is given against `postgres://base`, so `postgres//user@host/db` would become
 * a lookup of a host named "base" (a DNS failure, exit 1, retried by Airflow) instead of the
 * configuration error it is. The reason never quotes the value: it holds the password.
 */
function pgUrlProblem(url: string): string | null {
  // pg's own forms for a Unix socket folder: `/var/run/postgresql dbname`, `socket:/dir?db=x`.
  if (url.startsWith('/') || /^socket:/i.test(url)) return null;
  if (/^postgres(ql)?:\/\//i.test(url)) return null;
  return 'it must start with postgresql:// or postgres://, as in postgresql://user@host:5432/database';
}

/** The driver's settings from PG_URL, else the standard PG* variables; ConfigError when unusable. */
export function clientConfig(env: NodeJS.ProcessEnv): pg.ClientConfig {
  if (env.PG_URL) {
    const problem = pgUrlProblem(env.PG_URL);
    if (problem !== null)
      throw new ConfigError(`PG_URL is not a valid connection string: ${problem}`);
    return { connectionString: env.PG_URL, connectionTimeoutMillis: 15_000 };
  }
  if (env.PGPORT && !/^\d+$/.test(env.PGPORT)) {
    throw new ConfigError(`PGPORT must be a port number (got "${env.PGPORT}")`);
  }
  return {
    host: env.PGHOST,
    port: env.PGPORT ? Number(env.PGPORT) : undefined,
    user: env.PGUSER,
    password: env.PGPASSWORD,
    database: env.PGDATABASE,
    connectionTimeoutMillis: 15_000,
  };
}

export function describeTarget(client: pg.Client): string {
  return `PostgreSQL ${client.user ?? '?'}@${client.host ?? '?'}:${client.port ?? '?'}/${client.database ?? '?'}`;
}

export async function connect(env: NodeJS.ProcessEnv): Promise<pg.Client> {
  const config = clientConfig(env);
  let client: pg.Client;
  try {
    client = new pg.Client(config);
  } catch (error) {
    // The driver's own parse error; its text is redacted like every error message.
    throw new ConfigError(`PG_URL is not a valid connection string: ${String(error)}`);
  }
  // A dropped connection must fail the run, not crash the process with an unhandled event.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query("SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET statement_timeout = 0");
  } catch (error) {
    await client.end().catch(() => {});
    throw translatePgError(error, `connecting to ${describeTarget(client)}`);
  }
  return client;
}

/** Driver error → ConfigError (exit 2) when retrying cannot help, RuntimeFailure (1) otherwise. */
export function translatePgError(error: unknown, doing: string): Error {
  const code = (error as { code?: string } | null)?.code;
  const message = describeError(error);
  switch (code) {
    case '28P01':
    case '28000':
      return new ConfigError(`${doing}: authentication failed (${code}): ${message}`, {
        cause: error,
      });
    case '3D000':
      return new ConfigError(`${doing}: database does not exist (${code}): ${message}`, {
        cause: error,
      });
    case '42P01':
    case '42703':
    case '3F000':
    case '42501':
      return new ConfigError(`${doing}: ${message} (${code})`, { cause: error });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return new RuntimeFailure(`${doing}: host unreachable (${code}): ${message}`, {
        cause: error,
      });
    default:
      return new RuntimeFailure(`${doing}: ${message}${code ? ` (${code})` : ''}`, {
        cause: error,
      });
  }
}

export async function queryText(
  client: pg.Client,
  text: string,
  values: unknown[] = [],
): Promise<TextRow[]> {
  const result = await client.query<TextRow>({ text, values, types: textTypes });
  return result.rows;
}

/**
 * Fails with a ConfigError naming what is missing when the table or any expected column does
 * not exist, before anything is read or written.
 */
export async function checkTable(
  client: pg.Client,
  schema: string,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const rows = await queryText(
    client,
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  if (rows.length === 0) {
    throw new ConfigError(
      `table ${schema}.${table} does not exist in ${describeTarget(client)} (or is not visible to this user)`,
    );
  }
  const present = new Set(rows.map((row) => row.column_name));
  const missing = columns.filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new ConfigError(
      `table ${schema}.${table} in ${describeTarget(client)} lacks column(s): ${missing.join(', ')}`,
    );
  }
}

/** `COPY (query) TO STDOUT` as text (tab-separated, `\N` for NULL): ClickHouse's TabSeparated. */
export async function copyOut(client: pg.Client, query: string): Promise<string> {
  const stream: Readable = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What ClickHouse's postgresql() table function needs to read PostgreSQL itself. */
export interface PullTarget {
  hostPort: string;
  database: string;
  user: string;
  password: string;
}

export function pullTarget(client: pg.Client, hostPort: string | undefined): PullTarget {
  return {
    hostPort: hostPort ?? `${client.host}:${client.port}`,
    database: client.database ?? 'postgres',
    user: client.user ?? 'postgres',
    password: client.password ?? '',
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
