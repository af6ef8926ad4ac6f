/**
 * `extract google-analytics`: one property group per run, each property with its own session,
 * state and result (the runtime in extractors/core runs the stream).
 */
import { googleOAuthClientFor } from '../ad-platforms/google-oauth.js';
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { SourceDefinition } from '../core/source.js';
import { AnalyticsClient, type ReportPage } from './client.js';
import { type AnalyticsConfig, analyticsConfigSchema } from './config.js';
import { contract } from './contract.js';
import { type AnalyticsSession, analyticsStreams } from './streams.js';

async function firstPage(pages: AsyncIterable<ReportPage>): Promise<ReportPage> {
  for await (const page of pages) return page;
  throw new Error('runReport gave no page');
}

export const googleAnalyticsSource: SourceDefinition<AnalyticsConfig, AnalyticsSession> =
  adPlatformSource({
    contract,
    config: analyticsConfigSchema,
    async open(config, propertyId, credentials, { log }) {
      const client = new AnalyticsClient({
        oauth: googleOAuthClientFor(credentials, config.tokenUrl),
        rootUrl: config.apiUrl,
        retry: config.retry,
        requestTimeoutMs: config.requestTimeoutMs,
        pageSize: config.pageSize,
        quotaReservePct: config.quotaReservePct,
        onEvent: (event) => {
          if (event.kind === 'retry') logRetry(log, event);
          else {
            log.debug(
              `property quota: ${event.lowest.toFixed(1)}% of the tightest token quota left`,
              {
                event: 'quota',
                quota_left_pct: Math.round(event.lowest * 10) / 10,
              },
            );
          }
        },
      });
      // One row of today's report checks the credentials and tells the property's currency and
      // time zone, which decide what "today" is for the window.
      const probe = await firstPage(
        client.reportPages({
          propertyId,
          since: 'today',
          untilInclusive: 'today',
          dimensions: ['date'],
          metrics: config.metrics.slice(0, 1),
          limit: 1,
        }),
      );
      log.info(`property ${propertyId} (${probe.currency}, ${probe.timezone})`, {
        event: 'account_open',
      });
      return { client, propertyId, currency: probe.currency, timezone: probe.timezone || 'UTC' };
    },
    streams: analyticsStreams,
  });
