/** CleverTap streams, one file per stream under streams/: events.ts, profiles.ts. */
import type { ClevertapConfig } from './config.js';
import { eventsStream } from './streams/events.js';
import { profilesStream } from './streams/profiles.js';

export type { ClevertapSession } from './session.js';

/** The streams a config selects: events, and profiles unless --no-profiles. */
export function clevertapStreams(config: ClevertapConfig) {
  return [
    eventsStream(config),
    ...(config.profileEvents.length > 0 ? [profilesStream(config)] : []),
  ];
}
