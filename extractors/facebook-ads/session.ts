import type { AccountInfo, FacebookAdsClient } from './client.js';

/** What every Facebook stream reads with: the client and the account being read. */
export interface FacebookSession {
  readonly client: FacebookAdsClient;
  /** `act_<digits>` as Graph addresses it. */
  readonly accountRef: string;
  readonly account: AccountInfo;
}
