/**
 * `events`: every record of Get Events for each `--events` name, one row per event.
 *
 * CleverTap events have no id, so the key is derived: a hash of the canonical JSON of what makes
 * the event itself — its name, `ts`, the user's CleverTap ID (`profile.objectId`, else the
 * identity), `event_props` and `session_props`. Reading the same day again gives the same keys,
 * so re-loads and overlapping windows converge to one row per event. The `profile` object a
 * record carries is left out of the hash on purpose: it is the user's profile as it is when the
 * export runs (email, name, custom properties), which changes between reads of the same event.
 * Limitation: two events that agree on all of those (same user, same second, same properties)
 * cannot be told apart through this API and are kept once.
 */
import type { CleverTapRecord } from '../client.js';
import type { ClevertapConfig } from '../config.js';
import { eventWindowStream } from './event-windows.js';
import { canonicalJson, eventTime, objectAt, recordError, shortHash, textAt } from './records.js';

export const eventColumns = {
  account_id: 'String',
  event_name: 'LowCardinality(String)',
  event_date: 'Date32',
  event_key: 'String',
  ts: 'UInt64',
  event_time: "DateTime('UTC')",
  account_timezone: 'LowCardinality(String)',
  object_id: 'String',
  identity: 'String',
  platform: 'LowCardinality(String)',
  event_props: 'String',
  session_props: 'String',
  profile: 'String',
  record: 'String',
} as const;

export type EventRow = { [Column in keyof typeof eventColumns]: string | number };

/** The row of one Get Events record. */
export function eventRow(
  record: CleverTapRecord,
  context: { accountId: string; eventName: string; timezone: string },
): EventRow | string {
  const profile = objectAt(record, 'profile');
  const time = eventTime(record.ts, context.timezone);
  if (time === undefined)
    return `ts ${JSON.stringify(record.ts ?? null).slice(0, 40)} is not YYYYMMDDHHMMSS`;
  const objectId = textAt(profile, 'objectId');
  const identity = textAt(profile, 'identity');
  const eventProps = record.event_props ?? {};
  const sessionProps = record.session_props ?? {};
  return {
    account_id: context.accountId,
    event_name: context.eventName,
    event_date: time.date,
    event_key: shortHash(
      canonicalJson({
        event_name: context.eventName,
        ts: time.ts,
        user: objectId || identity,
        event_props: eventProps,
        session_props: sessionProps,
      }),
    ),
    ts: time.ts,
    event_time: time.utc,
    account_timezone: context.timezone,
    object_id: objectId,
    identity,
    platform: textAt(profile, 'platform'),
    event_props: canonicalJson(eventProps),
    session_props: canonicalJson(sessionProps),
    profile: canonicalJson(profile),
    record: canonicalJson(record),
  };
}

export function eventsStream(config: ClevertapConfig) {
  return eventWindowStream<EventRow>({
    name: 'events',
    table: 'raw.clevertap_events',
    key: ['account_id', 'event_name', 'event_date', 'event_key'],
    columns: eventColumns,
    partitionBy: 'toYYYYMM(event_date)',
    kind: 'events',
    eventNames: config.events,
    batchSize: config.batchSize,
    window: config.window,
    chunkDays: config.chunkDays,
    toRows: (records, { session, eventName }) =>
      records.map((record, index) => {
        const row = eventRow(record, {
          accountId: session.accountId,
          eventName,
          timezone: session.timezone,
        });
        if (typeof row === 'string')
          throw recordError(`events ${JSON.stringify(eventName)}`, index, row);
        return row;
      }),
  });
}
