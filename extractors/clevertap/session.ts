/** The CleverTap account (project) a run reads. */
import type { CleverTapClient } from './client.js';

export interface ClevertapSession {
  readonly client: CleverTapClient;
  readonly accountId: string;
  /** The account's IANA time zone (--timezone): its days are CleverTap's `from`/`to` days. */
  readonly timezone: string;
}
