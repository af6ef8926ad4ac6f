/**
 * Google Ads streams, each one GAQL query, one file per kind under streams/: snapshots.ts
 * (campaigns, ad groups, ads) and daily-metrics.ts (campaign and ad-group metrics per day over
 * the date window), both built on the column table in columns.ts.
 */
import type { GoogleAdsConfig } from './config.js';
import { dailyMetricsStreams } from './streams/daily-metrics.js';
import { snapshotStreams } from './streams/snapshots.js';

export {
  CUSTOMER_QUERY,
  type CustomerInfo,
  customerInfo,
  type GoogleAdsSession,
} from './session.js';

export function googleAdsStreams(config: GoogleAdsConfig) {
  return [...snapshotStreams(), ...dailyMetricsStreams(config)];
}
