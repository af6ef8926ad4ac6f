/**
 * `extract app-store`: one account group per run; each `vendor:` / `app:` account gets its own
 * session, state and result (the runtime in extractors/core runs the streams), so one failing
 * vendor or app leaves the others loaded.
 */
import { createHash } from 'node:crypto';
import { logRetry } from '../ad-platforms/retry.js';
import { adPlatformSource } from '../ad-platforms/source-definition.js';
import type { SourceDefinition } from '../core/source.js';
import { AppStoreClient } from './client.js';
import { type AppStoreConfig, appStoreConfigSchema, parseAccount } from './config.js';
import { contract } from './contract.js';
import { type AppStoreSession, appStoreStreams } from './streams.js';
import { TokenSource } from './token.js';

/**
 * One token source per API key for the whole run: its accounts share the key, so they share its
 * token until it nears expiry instead of signing one each.
 */
const tokenSources = new Map<string, TokenSource>();

function tokenSourceFor(issuerId: string, keyId: string, privateKey: string): TokenSource {
  const id = createHash('sha256').update(`${issuerId}\n${keyId}\n${privateKey}`).digest('hex');
  let tokens = tokenSources.get(id);
  if (!tokens) {
    tokens = new TokenSource({ issuerId, keyId, privateKey });
    tokenSources.set(id, tokens);
  }
  return tokens;
}

export const appStoreSource: SourceDefinition<AppStoreConfig, AppStoreSession> = adPlatformSource({
  contract,
  config: appStoreConfigSchema,
  async open(config, account, credentials, { log }) {
    const tokens = tokenSourceFor(
      credentials.issuer_id,
      credentials.key_id,
      credentials.private_key,
    );
    // Signing a token now checks the private key before any request (a bad key is exit 2).
    await tokens.bearer();
    const client = new AppStoreClient({
      tokens,
      baseUrl: config.apiUrl,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      onRetry: (event) => logRetry(log, event),
    });
    const { kind, id } = parseAccount(account);
    log.info(`${kind === 'vendor' ? 'vendor number' : 'app'} ${id}`, { event: 'account_open' });
    return { client, kind, id };
  },
  streams: appStoreStreams,
});
