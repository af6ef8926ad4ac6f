/** App Store streams, one file per stream under streams/: sales-summary.ts, analytics-report.ts. */
import type { AppStoreConfig } from './config.js';
import { analyticsReportStream } from './streams/analytics-report.js';
import { salesSummaryStream } from './streams/sales-summary.js';

export type { AppStoreSession } from './session.js';

export function appStoreStreams(config: AppStoreConfig) {
  return [salesSummaryStream(config), analyticsReportStream(config)];
}
