/** The app package a run reads, in its developer account's reports bucket. */
import type { PlayClient } from './client.js';

export interface PlaySession {
  readonly client: PlayClient;
  /** `pubsite_prod_rev_<developer id>`. */
  readonly bucket: string;
  readonly packageName: string;
}
