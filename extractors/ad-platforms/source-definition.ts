/**
 * What every ad-platform source's definition shares: one account group per run, its accounts
 * served one by one, each with the group's credential values read from the environment variables
 * the accounts file names (registered with the redactor first) and a session that holds no
 * resources to close. A source supplies its contract, config, how to open one account and its
 * streams.
 */

import type { z } from 'zod';
import type { SourceContract } from '../core/contract.js';
import type { AnyStream, OpenContext, SourceDefinition } from '../core/source.js';
import { resolveCredentials } from './account-groups.js';
import type { CommonAdsConfig } from './config.js';

interface AdGroup {
  readonly accounts: readonly string[];
  readonly credentials: Readonly<Record<string, string>>;
}

/** The group's credential values, by the credential names its schema declares. */
export type CredentialValues<Config extends CommonAdsConfig<AdGroup>> = Record<
  keyof Config['group']['credentials'] & string,
  string
>;

export function adPlatformSource<Config extends CommonAdsConfig<AdGroup>, Session>(definition: {
  readonly contract: SourceContract;
  readonly config: z.ZodType<Config>;
  open(
    config: Config,
    account: string,
    credentials: CredentialValues<Config>,
    context: OpenContext,
  ): Promise<Session>;
  streams(config: Config): readonly AnyStream<Session>[];
}): SourceDefinition<Config, Session> {
  return {
    contract: definition.contract,
    config: definition.config,
    accounts: (config) => config.group.accounts,
    open(config, account, context) {
      const credentials = resolveCredentials(
        `${definition.contract.source} group ${config.groupName}`,
        config.group.credentials,
        context.env,
      ) as CredentialValues<Config>;
      return definition.open(config, account, credentials, context);
    },
    async close() {},
    streams: definition.streams,
  };
}
