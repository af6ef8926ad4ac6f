/** GA4 streams, one file per stream under streams/: daily-report.ts. */
import type { AnalyticsConfig } from './config.js';
import { dailyReportStream } from './streams/daily-report.js';

export type { AnalyticsSession } from './session.js';

export function analyticsStreams(config: AnalyticsConfig) {
  return [dailyReportStream(config)];
}
