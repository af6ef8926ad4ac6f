import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigError } from '../../core/errors.js';
import type { AnyStream, ReadContext } from '../../core/source.js';
import { qualified } from '../../core/writer.js';
import { CDC_VERSION_BASE } from './lsn.js';

/**
 * CDC mode writes versions above any the watermark mode writes (lsn.ts), so that switching to
 * CDC needs no rewrite. The way back is not symmetric: a watermark run's rows would lose to
 * the CDC rows already there, silently. So a watermark stream refuses a table CDC has written.
 *
 * The check runs alongside the stream's first reads (it is a scan of the table's `_version`,
 * a share of an incremental run's fixed cost) and must pass before the stream's first batch is
 * written. What the stream may change before that is a widening of the raw table to the
 * source's types (raw-types.ts), which CDC mode would make too and which loses nothing.
 */
export function refuseAfterCdc<Session>(stream: AnyStream<Session>): AnyStream<Session> {
  return {
    ...stream,
    async *read(context: ReadContext<Session, unknown>) {
      const guard = assertNoCdcRows(context.clickhouse, stream.table);
      // Awaited below on every path; this only keeps an early failure from going unhandled.
      guard.catch(() => {});
      let passed = false;
      try {
        for await (const batch of stream.read(context)) {
          if (!passed) {
            await guard;
            passed = true;
          }
          yield batch;
        }
      } catch (error) {
        // The wrong mode is the error to report, whatever else failed first.
        if (!passed) await guard;
        throw error;
      }
      if (!passed) await guard;
    },
  };
}

async function assertNoCdcRows(clickhouse: ClickHouseClient, table: string): Promise<void> {
  const result = await clickhouse.query({
    query: `SELECT toString(count()) AS n FROM ${qualified(table)} WHERE _version >= ${CDC_VERSION_BASE}`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  if (row && row.n !== '0') {
    throw new ConfigError(
      `${table} holds rows written by CDC mode; a watermark run's rows would never replace them. Fix: run with --mode cdc, or, to go back to the watermark mode, drop the slot (--cdc-slot drop), empty the raw tables (TRUNCATE TABLE ${table}) and load again`,
    );
  }
}
