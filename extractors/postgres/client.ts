import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ConfigError, describeError, RuntimeFailure } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

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
 * Why PG_URL cannot be a connection string, or null when the driver may parse it. Every shape
 * the driver would misread is refused here, with a reason that never quotes the value (it holds
 * the password): the driver resolves what it is given against `postgres://base`, so
 * `postgres//user@host/db` would become a lookup of a host named "base"; and an unencoded
 * `/ ? # @` or space in the password moves the rest of it into the host, port or database name,
 * which error messages then print (`postgres://u:5432/pw@h/db` reads as port 5432, database
 * "pw@h/db").
 */
export function pgUrlProblem(url: string): string | null {
  // pg's own forms for a Unix socket folder: `/var/run/postgresql dbname`, `socket:/dir?db=x`.
  if (url.startsWith('/') || /^socket:/i.test(url)) return null;
  const scheme = /^postgres(ql)?:\/\//i.exec(url);
  if (!scheme) {
    return 'it must start with postgresql:// or postgres://, as in postgresql://user:password@host:5432/database';
  }
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : '';
  const afterUser = at >= 0 ? rest.slice(at + 1) : rest;
  if (/[\s/?#@[\]]/.test(userinfo)) {
    return 'the user or password holds a character that must be percent-encoded (space %20, / %2F, ? %3F, # %23, @ %40, [ %5B, ] %5D)';
  }
  if (/\s/.test(afterUser)) return 'it contains a space (write %20)';
  if (/%(?![0-9a-f]{2})/i.test(url)) {
    return 'it holds a % not followed by two hex digits (write a literal % as %25)';
  }
  try {
    decodeURIComponent(url);
  } catch {
    return 'its percent-encoding is not valid UTF-8';
  }
  const authority = afterUser.split(/[/?#]/)[0] ?? '';
  for (const host of authority.split(',')) {
    const port = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host);
    if (!port) return 'its host is malformed (an IPv6 address goes in [ ])';
    if (port[1] !== undefined && !(/^\d{1,5}$/.test(port[1]) && Number(port[1]) <= 65535)) {
      return 'its port must be a number from 1 to 65535';
    }
  }
  try {
    new URL(url);
  } catch {
    return 'it is not a valid URL';
  }
  return null;
}

/** The password in PG_URL as its user meant it (the userinfo up to the last `@`), raw and
 *  decoded, registered as secrets before anything parses the URL: whatever the URL's shape,
 *  no later message can print it whole. */
function registerUrlPassword(url: string): void {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, '');
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : rest;
  const colon = userinfo.indexOf(':');
  const password = colon >= 0 ? userinfo.slice(colon + 1) : at >= 0 ? '' : userinfo;
  for (const candidate of [password, ...password.split(/[\s/?#@:]+/)]) {
    registerSecret(candidate);
    try {
      registerSecret(decodeURIComponent(candidate));
    } catch {
      // Malformed encoding: the raw form is registered; pgUrlProblem refuses the URL.
    }
  }
  for (const match of url.matchAll(/[?&]password=([^&#]*)/gi)) registerSecret(match[1]);
}

/** The driver's settings from PG_URL, else the standard PG* variables; ConfigError when unusable. */
export function clientConfig(env: NodeJS.ProcessEnv): pg.ClientConfig {
  if (env.PG_URL) {
    registerUrlPassword(env.PG_URL);
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
  } catch {
    // The driver's own parse error may quote the URL: not repeated.
    throw new ConfigError('PG_URL is not a valid connection string: the driver cannot parse it');
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

/** `COPY (query) TO STDOUT` as text (tab-separated, `\N` for NULL): ClickHouse's TabSeparated. */
export async function copyOut(client: pg.Client, query: string): Promise<string> {
  const stream: Readable = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
