/** One account of a run: a vendor number (Sales and Trends) or an app (Analytics Reports). */
import type { AppStoreClient } from './client.js';

export interface AppStoreSession {
  readonly client: AppStoreClient;
  readonly kind: 'vendor' | 'app';
  /** The vendor number or the app's Apple id. */
  readonly id: string;
}

/**
 * Apple's reporting day: Sales and Trends days are Pacific time, and its daily reports appear
 * the morning after, Pacific time — so "today" for the window is today there.
 */
export const APPLE_REPORT_TIMEZONE = 'America/Los_Angeles';
