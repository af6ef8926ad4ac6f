/**
 * Facebook streams: campaigns, ad sets and ads as snapshots, and daily ad-level insights. One
 * file per kind of stream under streams/: snapshots.ts (the three edges, a spec table) and
 * insights.ts (async report runs, split on failure); rows.ts regroups Graph pages into insert
 * batches of INSERT_BATCH_ROWS, so memory does not depend on how many rows a run loads.
 */
import type { FacebookConfig } from './config.js';
import { insightsStream } from './streams/insights.js';
import { snapshotStreams } from './streams/snapshots.js';

export type { FacebookSession } from './session.js';

export function facebookStreams(config: FacebookConfig) {
  return [...snapshotStreams(), insightsStream(config)];
}
