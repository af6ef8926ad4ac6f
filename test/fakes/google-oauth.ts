/**
 * Google's OAuth token endpoint as both Google fakes serve it: `POST /token` exchanges the
 * expected refresh token (refresh_token grant) for ACCESS_TOKEN; API requests must carry it.
 */
import {
  type FakeRequest,
  type FakeResponse,
  type FakeServer,
  type Fault,
  startFakeServer,
  withFaults,
} from './http.js';

export const ACCESS_TOKEN = 'ya29.fake-google-access-token-0123456789';

export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** The token endpoint's answer to a refresh_token grant, errors as Google words them. */
function oauthTokenResponse(expected: OAuthClient, requestBody: unknown): FakeResponse {
  const body = (requestBody ?? {}) as Record<string, string>;
  if (
    body.grant_type !== 'refresh_token' ||
    body.client_id !== expected.clientId ||
    body.client_secret !== expected.clientSecret
  ) {
    return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
  }
  if (body.refresh_token !== expected.refreshToken) {
    return {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    };
  }
  return {
    status: 200,
    body: {
      access_token: ACCESS_TOKEN,
      expires_in: 3599,
      scope: 'https://www.googleapis.com/auth/adwords',
      token_type: 'Bearer',
    },
  };
}

export const hasAccessToken = (request: FakeRequest) =>
  request.headers.authorization === `Bearer ${ACCESS_TOKEN}`;

/**
 * A loopback Google API: `POST /token` is the OAuth endpoint (faults on route `token`), every
 * other request goes to `handle`.
 */
export function startGoogleApiFake(
  client: OAuthClient,
  faults: Fault[],
  handle: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>,
): Promise<FakeServer> {
  return startFakeServer((request) =>
    request.path === '/token'
      ? withFaults(faults, 'token', '', () => oauthTokenResponse(client, request.body))
      : handle(request),
  );
}
