/**
 * OAuth for the two Google sources: a refresh token exchanged for access tokens by Google's own
 * auth library (google-auth-library's OAuth2Client, which @googleapis/analyticsdata re-exports),
 * with the token endpoint overridable for proxies and the loopback fake.
 */
import { auth } from '@googleapis/analyticsdata';
import { ConfigError, RuntimeFailure } from '../core/errors.js';

export interface GoogleOAuthCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Replaces https://oauth2.googleapis.com/token. */
  readonly tokenUrl?: string;
}

export type GoogleOAuthClient = InstanceType<typeof auth.OAuth2>;

export function googleOAuthClient(credentials: GoogleOAuthCredentials): GoogleOAuthClient {
  const client = new auth.OAuth2({
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    endpoints: credentials.tokenUrl ? { oauth2TokenUrl: credentials.tokenUrl } : undefined,
  });
  client.setCredentials({ refresh_token: credentials.refreshToken });
  return client;
}

/** The client for a group's credentials as the accounts file names them. */
export function googleOAuthClientFor(
  credentials: {
    readonly client_id: string;
    readonly client_secret: string;
    readonly refresh_token: string;
  },
  tokenUrl: string | undefined,
): GoogleOAuthClient {
  return googleOAuthClient({
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    refreshToken: credentials.refresh_token,
    tokenUrl,
  });
}

/**
 * A current access token. The library's error carries the request (with the refresh token and
 * client secret) — only the status and OAuth error code leave this function.
 */
export async function accessToken(client: GoogleOAuthClient): Promise<string> {
  try {
    const { token } = await client.getAccessToken();
    if (!token)
      throw new RuntimeFailure('Google OAuth: the token endpoint returned no access token');
    return token;
  } catch (error) {
    if (error instanceof RuntimeFailure) throw error;
    const response = (error as { response?: { status?: number; data?: { error?: unknown } } })
      .response;
    const code = typeof response?.data?.error === 'string' ? response.data.error : undefined;
    const status = response?.status;
    const message = `Google OAuth token refresh failed${status ? ` (HTTP ${status}${code ? ` ${code}` : ''})` : ' (no response)'}`;
    // invalid_grant / invalid_client / unauthorized_client: the credentials are wrong.
    if (status !== undefined && status >= 400 && status < 500) throw new ConfigError(message);
    throw new RuntimeFailure(message);
  }
}
