/**
 * `extract clevertap`: one account group per run, each CleverTap account (project) with its own
 * session, state and result (the runtime in extractors/core runs the streams). The passcode
 * comes from the variable the group names, or from `passcodes.<account id>` for a project whose
 * passcode differs; either is registered with the redactor before any request.
 */
import { resolveCredentials } from '../ad-platforms/account-groups.js';
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { SourceDefinition } from '../core/source.js';
import { CleverTapClient } from './client.js';
import { type ClevertapConfig, clevertapConfigSchema } from './config.js';
import { contract } from './contract.js';
import { type ClevertapSession, clevertapStreams } from './streams.js';

export const clevertapSource: SourceDefinition<ClevertapConfig, ClevertapSession> =
  adPlatformSource({
    contract,
    config: clevertapConfigSchema,
    async open(config, accountId, credentials, { log, env }) {
      const own = config.group.passcodes?.[accountId];
      const passcode = own
        ? resolveCredentials(
            `clevertap group ${config.groupName} account ${accountId}`,
            { passcode: own },
            env,
          ).passcode
        : credentials.passcode;
      const client = new CleverTapClient({
        accountId,
        passcode,
        baseUrl: config.baseUrl,
        retry: config.retry,
        requestTimeoutMs: config.requestTimeoutMs,
        onRetry: (event) => logRetry(log, event),
      });
      log.info(`account ${accountId} (region ${config.region}, ${config.timezone})`, {
        event: 'account_open',
      });
      return { client, accountId, timezone: config.timezone };
    },
    streams: clevertapStreams,
  });
