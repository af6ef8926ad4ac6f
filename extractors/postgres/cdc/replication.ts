import pg from 'pg';
import { type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { clientConfig, translatePgError } from '../client.js';

/**
 * The replication side of PostgreSQL: a connection in replication mode, settings that make the
 * walsender print values as the extractor's other reads do, and the pgoutput plugin with values
 * left as text.
 */

/** The walsender formats values with its session's settings: ISO dates, UTC, exact floats. */
const SESSION_OPTIONS = '-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3';

/** Driver settings for a replication connection (PG_URL or PG* variables, as for reads). */
export function replicationConfig(env: NodeJS.ProcessEnv): pg.ClientConfig {
  return { ...clientConfig(env), options: SESSION_OPTIONS };
}

/** A connected replication-mode client (`replication=database`). */
export async function connectReplication(env: NodeJS.ProcessEnv): Promise<pg.Client> {
  const client = new pg.Client({
    ...replicationConfig(env),
    // @ts-expect-error pg accepts `replication` (a startup parameter) but does not type it.
    replication: 'database',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw translatePgError(error, 'opening a replication connection to PostgreSQL');
  }
  return client;
}

/**
 * pgoutput with every value kept as PostgreSQL's text. The library parses values with the pg
 * driver's global type parsers (timestamps to Date in the local zone, to the millisecond); the
 * raw tables take PostgreSQL's text, exactly as COPY and the watermark reads give it.
 */
export class TextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    if (message.tag === 'relation') {
      for (const column of message.columns) column.parser = (raw: unknown) => raw;
    }
    return message;
  }
}
