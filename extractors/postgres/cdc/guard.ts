import { ConfigError } from '../../core/errors.js';
import type { AnyStream, ReadContext } from '../../core/source.js';
import { qualified } from '../../core/writer.js';
import { CDC_VERSION_BASE } from './lsn.js';

/**
 * CDC mode writes versions above any the watermark mode writes (lsn.ts), so that switching to
 * CDC needs no rewrite. The way back is not symmetric: a watermark run's rows would lose to
 * the CDC rows already there, silently. So a watermark stream refuses a table CDC has written.
 */
export function refuseAfterCdc<Session>(stream: AnyStream<Session>): AnyStream<Session> {
  return {
    ...stream,
    async *read(context: ReadContext<Session, unknown>) {
      const result = await context.clickhouse.query({
        query: `SELECT toString(count()) AS n FROM ${qualified(stream.table)} WHERE _version >= ${CDC_VERSION_BASE}`,
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ n: string }>();
      if (row && row.n !== '0') {
        throw new ConfigError(
          `${stream.table} holds rows written by CDC mode; a watermark run's rows would never replace them. Fix: run with --mode cdc, or, to go back to the watermark mode, drop the slot (--cdc-slot drop), empty the raw tables (TRUNCATE TABLE ${stream.table}) and load again`,
        );
      }
      yield* stream.read(context);
    },
  };
}
