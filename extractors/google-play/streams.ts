/**
 * Google Play streams, one file per kind under streams/: the monthly statistics reports
 * (monthly-report.ts), earnings (earnings.ts) and Android vitals (vitals.ts).
 */
import type { PlayConfig } from './config.js';
import { earningsStream } from './streams/earnings.js';
import { MONTHLY_REPORTS, monthlyReportStream } from './streams/monthly-report.js';
import { VITALS, vitalsStream } from './streams/vitals.js';

export type { PlaySession } from './session.js';

export function playStreams(config: PlayConfig) {
  return [
    ...MONTHLY_REPORTS.map((spec) => monthlyReportStream(spec, config)),
    earningsStream(config),
    ...VITALS.map((spec) => vitalsStream(spec, config)),
  ];
}
