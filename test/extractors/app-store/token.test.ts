/** The App Store Connect bearer token: Apple's header and claims, reuse until near expiry. */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { normalizePem, TokenSource } from '../../../extractors/app-store/token.js';
import { redact } from '../../../extractors/core/redact.js';
import { ISSUER_ID, KEY_FRAGMENT, KEY_ID, PRIVATE_KEY, PUBLIC_KEY } from './fixtures.js';

describe('app-store TokenSource', () => {
  it("signs Apple's ES256 JWT and reuses it until a minute before it expires", async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const tokens = new TokenSource(
      { issuerId: ISSUER_ID, keyId: KEY_ID, privateKey: PRIVATE_KEY.replace(/\n/g, '\\n') },
      () => now,
    );
    const first = await tokens.bearer();
    expect(decodeProtectedHeader(first)).toEqual({ alg: 'ES256', kid: KEY_ID, typ: 'JWT' });
    const claims = decodeJwt(first);
    expect(claims).toEqual({
      iss: ISSUER_ID,
      aud: 'appstoreconnect-v1',
      iat: now / 1000,
      exp: now / 1000 + 19 * 60,
    });
    await expect(
      jwtVerify(first, PUBLIC_KEY, { currentDate: new Date(now), audience: 'appstoreconnect-v1' }),
    ).resolves.toBeDefined();
    now += 17 * 60 * 1000;
    expect(await tokens.bearer()).toBe(first);
    now += 61 * 1000;
    const second = await tokens.bearer();
    expect(second).not.toBe(first);
    expect(decodeJwt(second).iat).toBe(now / 1000);
    tokens.reset();
    expect(await tokens.bearer()).not.toBe(second);
    // Tokens and key lines are masked wherever they would be printed.
    expect(redact(`got ${first} and ${KEY_FRAGMENT}`)).toBe('got *** and ***');
  });

  it('reads a PEM with escaped or CRLF newlines', () => {
    expect(normalizePem('a\\nb\r\nc\n')).toBe('a\nb\nc');
  });
});
