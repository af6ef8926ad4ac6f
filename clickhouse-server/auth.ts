/**
 * Who is asking: ClickHouse's three ways to pass credentials (Basic auth, the X-ClickHouse-User /
 * X-ClickHouse-Key headers, `user` / `password` URL parameters), checked against the one
 * configured user. Mixing two ways is refused, as ClickHouse does.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ClickHouseHttpError, ErrorCode } from './errors.js';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The credentials a request carries; `default` with no password when it carries none. */
export function requestCredentials(
  headers: IncomingHttpHeaders,
  url: URLSearchParams,
): Credentials {
  const found: Credentials[] = [];
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const match = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new ClickHouseHttpError(
        ErrorCode.AUTHENTICATION_FAILED,
        'Invalid authentication: only Basic authorization is supported',
      );
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString();
    const colon = decoded.indexOf(':');
    found.push(
      colon < 0
        ? { user: decoded, password: '' }
        : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
    );
  }
  const headerUser = header(headers, 'x-clickhouse-user');
  const headerKey = header(headers, 'x-clickhouse-key');
  if (headerUser !== undefined || headerKey !== undefined) {
    found.push({ user: headerUser ?? 'default', password: headerKey ?? '' });
  }
  if (url.has('user') || url.has('password')) {
    found.push({ user: url.get('user') ?? 'default', password: url.get('password') ?? '' });
  }
  if (found.length > 1) {
    throw new ClickHouseHttpError(
      ErrorCode.AUTHENTICATION_FAILED,
      'Invalid authentication: it is not allowed to use Authorization HTTP header, X-ClickHouse-User/Key headers and user/password URL parameters simultaneously',
    );
  }
  return found[0] ?? { user: 'default', password: '' };
}

/** Constant-time comparison of two strings (hashed first so lengths do not leak either). */
function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Throws AUTHENTICATION_FAILED (516) unless `given` is the configured user and password. */
export function checkCredentials(given: Credentials, expected: Credentials): void {
  const userOk = same(given.user, expected.user);
  const passwordOk = same(given.password, expected.password);
  if (!userOk || !passwordOk) {
    throw new ClickHouseHttpError(
      ErrorCode.AUTHENTICATION_FAILED,
      `${given.user.slice(0, 64)}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
}
