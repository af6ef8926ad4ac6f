/** The GA4 property a run reads. */
import type { AnalyticsClient } from './client.js';

export interface AnalyticsSession {
  readonly client: AnalyticsClient;
  readonly propertyId: string;
  readonly currency: string;
  readonly timezone: string;
}
