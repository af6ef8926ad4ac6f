/** Connecting: a PG_URL refused before any connection. */
import { expect, test } from 'vitest';
import { ConfigError, EXIT_USAGE } from '../../../extractors/core/errors.js';
import { connect } from '../../../extractors/postgres/client.js';

test('a malformed PG_URL is a configuration error (exit 2), refused before connecting, secret-free', async () => {
  const failure = await connect({
    PG_URL: 'postgresql://loader:pw-Secret9@db:notaport/adtech',
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(ConfigError);
  expect((failure as ConfigError).exitCode).toBe(EXIT_USAGE);
  expect((failure as ConfigError).message).toMatch(/PG_URL is not a valid connection string/);
  expect((failure as ConfigError).message).not.toContain('pw-Secret9');
});
