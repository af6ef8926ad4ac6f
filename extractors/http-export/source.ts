/**
 * `extract http-export`: reads the manifest the backend serves, then loads each dataset it
 * lists as its own stream (a failing dataset leaves the others loaded). One "account": the
 * destination namespace, so the state of two backends loaded under different prefixes or
 * databases never mixes.
 */
import { logRetry } from '../ad-platforms/retry.js';
import { ConfigError } from '../core/errors.js';
import type { SourceDefinition } from '../core/source.js';
import { ExportClient } from './client.js';
import { type HttpExportConfig, httpExportConfigSchema } from './config.js';
import { contract } from './contract.js';
import { parseManifest, selectDatasets } from './manifest.js';
import { type HttpExportSession, httpExportStreams } from './streams.js';

export const httpExportSource: SourceDefinition<HttpExportConfig, HttpExportSession> = {
  contract,
  config: httpExportConfigSchema,
  accounts: (config) => [`${config.database}.${config.tablePrefix}*`],
  async open(config, _account, { log, env }) {
    const token = env.HTTP_EXPORT_TOKEN;
    if (!token) throw new ConfigError('HTTP_EXPORT_TOKEN is not set (the export API bearer token)');
    const client = new ExportClient({
      baseUrl: config.baseUrl,
      token,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      onRetry: (event) => logRetry(log, event),
    });
    const where = config.manifestPath;
    const manifest = parseManifest(await client.getJson(client.url(where)), where);
    const datasets = selectDatasets(manifest, config.datasets, where);
    log.info(
      `manifest ${where}: ${datasets.length} of ${manifest.datasets.length} datasets (${datasets.map((d) => `${d.name} ${d.strategy}`).join(', ')})`,
      { event: 'account_open' },
    );
    return { client, datasets };
  },
  async close() {},
  streams: httpExportStreams,
};
