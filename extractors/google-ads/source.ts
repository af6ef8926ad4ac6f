/**
 * `extract google-ads`: one account group per run, each customer with its own session, state
 * and result (the runtime in extractors/core runs the streams).
 */
import { googleOAuthClientFor } from '../ad-platforms/google-oauth.js';
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { SourceDefinition } from '../core/source.js';
import { configureGoogleAdsHttp, GoogleAdsClient } from './client.js';
import { type GoogleAdsConfig, googleAdsConfigSchema } from './config.js';
import { contract } from './contract.js';
import {
  CUSTOMER_QUERY,
  customerInfo,
  type GoogleAdsSession,
  googleAdsStreams,
} from './streams.js';

export const googleAdsSource: SourceDefinition<GoogleAdsConfig, GoogleAdsSession> =
  adPlatformSource({
    contract,
    config: googleAdsConfigSchema,
    async open(config, account, credentials, { log }) {
      configureGoogleAdsHttp({ timeoutMs: config.requestTimeoutMs, apiUrl: config.apiUrl });
      const client = new GoogleAdsClient({
        customerId: account,
        loginCustomerId: config.group.login_customer_id,
        developerToken: credentials.developer_token,
        oauth: googleOAuthClientFor(credentials, config.tokenUrl),
        retry: config.retry,
        onRetry: (event) => logRetry(log, event),
      });
      const customer = customerInfo(
        await client.queryAll(`customer ${account}`, CUSTOMER_QUERY),
        account,
      );
      log.info(
        `customer ${account}: ${customer.name} (${customer.currency}, ${customer.timezone})`,
        {
          event: 'account_open',
        },
      );
      return { client, customer };
    },
    streams: googleAdsStreams,
  });
