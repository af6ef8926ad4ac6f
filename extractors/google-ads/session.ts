/** The customer a Google Ads run reads, and how it is looked up. */
import type { GaqlRow, GoogleAdsClient } from './client.js';
import { gaqlValue } from './streams/columns.js';

export interface CustomerInfo {
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  readonly timezone: string;
}

export interface GoogleAdsSession {
  readonly client: GoogleAdsClient;
  readonly customer: CustomerInfo;
}

export const CUSTOMER_QUERY =
  'SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer';

export function customerInfo(results: readonly GaqlRow[], customerId: string): CustomerInfo {
  const row = results[0];
  return {
    customerId: String((row && gaqlValue(row, 'customer.id')) ?? customerId),
    name: String((row && gaqlValue(row, 'customer.descriptive_name')) ?? ''),
    currency: String((row && gaqlValue(row, 'customer.currency_code')) ?? ''),
    timezone: String((row && gaqlValue(row, 'customer.time_zone')) ?? 'UTC'),
  };
}
