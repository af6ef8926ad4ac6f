/**
 * http-export streams: one per dataset the manifest lists (and --datasets selects), known only
 * once the session has read the manifest; one file per kind under streams/: dataset.ts.
 */
import type { AnyStream } from '../core/source.js';
import type { HttpExportConfig } from './config.js';
import type { HttpExportSession } from './session.js';
import { datasetStream } from './streams/dataset.js';

export type { HttpExportSession } from './session.js';

/** Without a session (`--init-only`) no dataset is known: the tables are made at first load. */
export function httpExportStreams(
  config: HttpExportConfig,
  session?: HttpExportSession,
): AnyStream<HttpExportSession>[] {
  return (session?.datasets ?? []).map((dataset) => datasetStream(config, dataset));
}
