/**
 * The App Store Connect API's bearer token: an ES256 JWT signed with the API key's private key
 * (jose does the crypto). Header `kid` = key id, `typ` JWT; claims `iss` = issuer id, `aud`
 * appstoreconnect-v1, `iat`/`exp` at most 20 minutes apart (Apple rejects longer lifetimes). One
 * token serves every request until shortly before it expires. Every token and every line of the
 * key is registered with the redactor, so neither can reach a log line or an error message.
 */
import { importPKCS8, SignJWT } from 'jose';
import { ConfigError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

export const AUDIENCE = 'appstoreconnect-v1';
/** Apple's maximum is 20 minutes; a little less leaves room for clock skew. */
const LIFETIME_SECONDS = 19 * 60;
/** A token this close to its expiry is replaced, so none expires in flight. */
const RENEW_BEFORE_SECONDS = 60;

export interface ApiKey {
  readonly issuerId: string;
  readonly keyId: string;
  /** The .p8 file's PEM text; `\n` escapes (one-line env values) are accepted. */
  readonly privateKey: string;
}

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;

export class TokenSource {
  private key: SigningKey | undefined;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly apiKey: ApiKey,
    private readonly now: () => number = () => Date.now(),
  ) {
    // Fragments too: a line of the key's base64 body must never be printed either.
    for (const line of normalizePem(apiKey.privateKey).split('\n')) {
      if (!line.startsWith('-----')) registerSecret(line.trim());
    }
  }

  /** A valid token, reusing the current one until it nears its expiry. */
  async bearer(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (this.token && this.token.expiresAt - RENEW_BEFORE_SECONDS > nowSeconds) {
      return this.token.value;
    }
    const key = await this.signingKey();
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.apiKey.keyId, typ: 'JWT' })
      .setIssuer(this.apiKey.issuerId)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + LIFETIME_SECONDS)
      .sign(key);
    registerSecret(value);
    this.token = { value, expiresAt: nowSeconds + LIFETIME_SECONDS };
    return value;
  }

  /** Forgets the token, e.g. after a 401, so the next request signs a new one. */
  reset(): void {
    this.token = undefined;
  }

  private async signingKey(): Promise<SigningKey> {
    if (this.key) return this.key;
    try {
      this.key = await importPKCS8(normalizePem(this.apiKey.privateKey), 'ES256');
    } catch {
      // jose's message may quote the input; say only what is wrong.
      throw new ConfigError(
        `App Store Connect key ${this.apiKey.keyId}: private_key is not an ES256 PKCS#8 PEM (the contents of the AuthKey_<key id>.p8 file)`,
      );
    }
    return this.key;
  }
}

/** One-line env values carry the PEM's newlines as `\n`. */
export function normalizePem(pem: string): string {
  return pem.replace(/\\n/g, '\n').replace(/\r\n/g, '\n').trim();
}
