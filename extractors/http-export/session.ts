/** What a run holds after `open`: the client and the manifest's datasets it selected. */
import type { ExportClient } from './client.js';
import type { Dataset } from './manifest.js';

export interface HttpExportSession {
  readonly client: ExportClient;
  readonly datasets: readonly Dataset[];
}
