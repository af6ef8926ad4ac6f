/**
 * The service account's credentials: its JSON key (from the env variable the accounts file
 * names) checked for the fields a JWT grant needs, and google-auth-library's JWT client, which
 * signs an RS256 assertion with the key and exchanges it at Google's token endpoint. Every piece
 * of the key is registered with the redactor before anything can log it.
 */
import { auth } from 'googleapis/build/src/apis/storage/index.js';
import { z } from 'zod';
import { ConfigError, RuntimeFailure } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

/** The token endpoint gtoken posts to (and names as the assertion's audience). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Read-only scopes: the reports bucket and the Reporting API. */
export const PLAY_SCOPES = [
  'https://www.googleapis.com/auth/devstorage.read_only',
  'https://www.googleapis.com/auth/playdeveloperreporting',
];

const serviceAccountKey = z.object({
  type: z.literal('service_account', { error: 'must be "service_account"' }),
  client_email: z.string().email(),
  private_key: z.string().includes('PRIVATE KEY', { error: 'must be a PEM private key' }),
  private_key_id: z.string().optional(),
});

export type ServiceAccountKey = z.output<typeof serviceAccountKey>;

/**
 * Parses the key; a problem names the field, never its value. The private key's base64 lines
 * are registered one by one too, so not even a fragment of it can reach a log.
 */
export function parseServiceAccountKey(json: string, where: string): ServiceAccountKey {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new ConfigError(`${where}: the service account key is not JSON`);
  }
  const parsed = serviceAccountKey.safeParse(document);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    throw new ConfigError(
      `${where}: the service account key lacks or has an invalid ${[...new Set(fields)].join(', ')} (a JSON key from Google Cloud's service accounts page)`,
    );
  }
  const key = parsed.data;
  registerSecret(key.private_key);
  registerSecret(key.private_key_id);
  for (const line of key.private_key.split(/\r?\n|\\n/)) {
    if (!line.startsWith('-----')) registerSecret(line.trim());
  }
  return key;
}

export type PlayAuthClient = InstanceType<typeof auth.JWT>;

/**
 * A JWT client for the key. gtoken posts to Google's fixed token URL; a request interceptor on
 * the client's own transporter sends that request to `tokenUrl` instead (a proxy, the loopback
 * fake), while the assertion's audience stays Google's, as the real endpoint expects.
 */
export function playAuthClient(key: ServiceAccountKey, tokenUrl?: string): PlayAuthClient {
  const client = new auth.JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: PLAY_SCOPES,
  });
  if (tokenUrl && tokenUrl !== GOOGLE_TOKEN_URL) {
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
        return options;
      },
    });
  }
  client.on('tokens', (tokens) => registerSecret(tokens.access_token ?? undefined));
  return client;
}

/**
 * A first access token: checks the key against the token endpoint before any report is read.
 * Only the status and OAuth error code leave this function (the library's error carries the
 * signed assertion).
 */
export async function checkAccessToken(client: PlayAuthClient): Promise<void> {
  try {
    const { token } = await client.getAccessToken();
    if (!token)
      throw new RuntimeFailure('Google OAuth: the token endpoint returned no access token');
    registerSecret(token);
  } catch (error) {
    if (error instanceof RuntimeFailure) throw error;
    const response = (error as { response?: { status?: number; data?: unknown } }).response;
    const data = response?.data as { error?: unknown } | undefined;
    const code = typeof data?.error === 'string' ? ` ${data.error}` : '';
    const status = response?.status;
    const message = `Google OAuth service account token request failed${status ? ` (HTTP ${status}${code})` : ' (no response)'}`;
    // invalid_grant / invalid_client / unauthorized_client: the key is wrong or disabled.
    if (status !== undefined && status >= 400 && status < 500) throw new ConfigError(message);
    throw new RuntimeFailure(message);
  }
}
