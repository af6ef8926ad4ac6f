/**
 * `extract facebook-ads`: one account group per run, each account with its own session, state
 * and result (the runtime in extractors/core runs the streams).
 */
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { Logger } from '../core/logger.js';
import type { SourceDefinition } from '../core/source.js';
import { FacebookAdsClient, type FacebookClientEvent } from './client.js';
import { type FacebookConfig, facebookConfigSchema } from './config.js';
import { contract } from './contract.js';
import { type FacebookSession, facebookStreams } from './streams.js';

function logClientEvent(log: Logger, event: FacebookClientEvent): void {
  if (event.kind === 'retry') {
    logRetry(log, event);
  } else if (event.kind === 'throttle-pause') {
    log.info(`usage at ${event.usagePct}%; pausing ${event.waitMs} ms before the next call`, {
      event: 'throttle_pause',
      usage_pct: event.usagePct,
      wait_ms: event.waitMs,
    });
  } else {
    log.debug(`report run ${event.reportRunId}: ${event.status} (poll ${event.polls})`, {
      event: 'async_job_poll',
    });
  }
}

export const facebookAdsSource: SourceDefinition<FacebookConfig, FacebookSession> =
  adPlatformSource({
    contract,
    config: facebookConfigSchema,
    async open(config, account, { access_token }, { log }) {
      const client = new FacebookAdsClient({
        accessToken: access_token,
        graphUrl: config.apiUrl,
        retry: config.retry,
        requestTimeoutMs: config.requestTimeoutMs,
        pollIntervalMs: config.pollIntervalMs,
        maxPolls: config.maxPolls,
        pageSize: config.pageSize,
        usageThresholdPct: config.usageThresholdPct,
        onEvent: (event) => logClientEvent(log, event),
      });
      const info = await client.getAccount(account);
      log.info(`account ${account}: ${info.name} (${info.currency}, ${info.timezone})`, {
        event: 'account_open',
      });
      return { client, accountRef: account, account: info };
    },
    streams: facebookStreams,
  });
