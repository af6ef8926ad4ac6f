/**
 * `extract google-play`: one package group (a developer account) per run, each package with its
 * own session, state and result (the runtime in extractors/core runs the streams). The group's
 * service account key is checked against the token endpoint when a package opens, so a wrong or
 * disabled key fails with exit 2 before any report is read.
 */
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { SourceDefinition } from '../core/source.js';
import { checkAccessToken, parseServiceAccountKey, playAuthClient } from './auth.js';
import { PlayClient } from './client.js';
import { type PlayConfig, playConfigSchema } from './config.js';
import { contract } from './contract.js';
import { type PlaySession, playStreams } from './streams.js';

export const googlePlaySource: SourceDefinition<PlayConfig, PlaySession> = adPlatformSource({
  contract,
  config: playConfigSchema,
  async open(config, packageName, credentials, { log }) {
    const key = parseServiceAccountKey(
      credentials.service_account_key,
      `google-play group ${config.groupName}`,
    );
    const auth = playAuthClient(key, config.tokenUrl);
    await checkAccessToken(auth);
    const client = new PlayClient({
      auth,
      storageUrl: config.apiUrl,
      reportingUrl: config.reportingApiUrl,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      onRetry: (event) => logRetry(log, event),
    });
    log.info(`package ${packageName} in gs://${config.group.bucket} as ${key.client_email}`, {
      event: 'account_open',
    });
    return { client, bucket: config.group.bucket, packageName };
  },
  streams: playStreams,
});
