/**
 * `profiles`: Get User Profiles by events — the profiles of users who did a `--profile-events`
 * event in the window — one row per user, keyed by the CleverTap identity (`identity`, the id the
 * app sets at login) or, for a user without one, the CleverTap ID (`ct:<objectId>`). A user read
 * again (another day, another event name) replaces the earlier row: the latest load wins.
 */
import type { CleverTapRecord } from '../client.js';
import type { ClevertapConfig } from '../config.js';
import { eventWindowStream } from './event-windows.js';
import { canonicalJson, objectAt, recordError, textAt } from './records.js';

export const profileColumns = {
  account_id: 'String',
  profile_key: 'String',
  identity: 'String',
  object_id: 'String',
  email: 'String',
  name: 'String',
  platform: 'LowCardinality(String)',
  profile_data: 'String',
  found_by_event: 'LowCardinality(String)',
  record: 'String',
} as const;

export type ProfileRow = { [Column in keyof typeof profileColumns]: string };

/** The CleverTap ID: on the record, else on its first platform entry. */
function objectIdOf(record: CleverTapRecord): string {
  const own = textAt(record, 'objectId') || textAt(record, 'cleverTapId');
  if (own) return own;
  const platforms = Array.isArray(record.platformInfo) ? record.platformInfo : [];
  const first = platforms.find(
    (p): p is Record<string, unknown> => typeof p === 'object' && p !== null,
  );
  return first ? textAt(first, 'objectId') : '';
}

function platformOf(record: CleverTapRecord): string {
  const platforms = Array.isArray(record.platformInfo) ? record.platformInfo : [];
  const first = platforms.find(
    (p): p is Record<string, unknown> => typeof p === 'object' && p !== null,
  );
  return first ? textAt(first, 'platform') : textAt(record, 'platform');
}

export function profileRow(
  record: CleverTapRecord,
  context: { accountId: string; eventName: string },
): ProfileRow | string {
  const identity = textAt(record, 'identity');
  const objectId = objectIdOf(record);
  if (!identity && !objectId) return 'has neither an identity nor a CleverTap ID (objectId)';
  return {
    account_id: context.accountId,
    profile_key: identity || `ct:${objectId}`,
    identity,
    object_id: objectId,
    email: textAt(record, 'email'),
    name: textAt(record, 'name'),
    platform: platformOf(record),
    profile_data: canonicalJson(objectAt(record, 'profileData')),
    found_by_event: context.eventName,
    record: canonicalJson(record),
  };
}

export function profilesStream(config: ClevertapConfig) {
  return eventWindowStream<ProfileRow>({
    name: 'profiles',
    table: 'raw.clevertap_profiles',
    key: ['account_id', 'profile_key'],
    columns: profileColumns,
    kind: 'profiles',
    eventNames: config.profileEvents,
    batchSize: config.profileBatchSize,
    window: config.window,
    chunkDays: config.chunkDays,
    toRows: (records, { session, eventName }) =>
      records.map((record, index) => {
        const row = profileRow(record, { accountId: session.accountId, eventName });
        if (typeof row === 'string')
          throw recordError(`profiles ${JSON.stringify(eventName)}`, index, row);
        return row;
      }),
  });
}
