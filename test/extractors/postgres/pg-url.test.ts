/**
 * A malformed PG_URL, whatever its shape, never shows any part of the password: the real CLI
 * runs with each URL and no 4-character piece of the password may appear in its output.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pgUrlProblem } from '../../../extractors/postgres/client.js';
import { tempClickHousePath } from '../../support/clickhouse.js';
import { runCli } from './helpers.js';

let clickhousePath: string;
beforeAll(async () => {
  clickhousePath = await tempClickHousePath();
});
afterAll(async () => {
  if (clickhousePath) await rm(clickhousePath, { recursive: true, force: true });
});

/** Every piece of at least 4 characters of `secret`. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let start = 0; start + 4 <= secret.length; start += 1) {
    for (let end = start + 4; end <= secret.length; end += 1) out.push(secret.slice(start, end));
  }
  return out;
}

// [PG_URL, the password as its author wrote it, expected exit code]
const CASES: Array<[string, string, number]> = [
  ['postgres://adtech:S3cr3t-XYZ-pw garbage@127.0.0.1:1/db', 'S3cr3t-XYZ-pw garbage', 2],
  ['adtech:S3cr3t-XYZ-pw garbage', 'S3cr3t-XYZ-pw garbage', 2],
  ['127.0.0.1:1/db?user=adtech&password=S3cr3t-XYZ-pw', 'S3cr3t-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t-XYZ-pw@127.0.0.1:99999/db', 'S3cr3t-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t-XYZ-pw@127.0.0.1:port/db', 'S3cr3t-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t%ZZ-XYZ-pw@127.0.0.1:1/db', 'S3cr3t%ZZ-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t%E0%A4%A-XYZ-pw@127.0.0.1:1/db', 'S3cr3t%E0%A4%A-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t%C3%28XYZ-pw@127.0.0.1:1/db', 'S3cr3t%C3%28XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t/XYZ-pw@127.0.0.1:1/db', 'S3cr3t/XYZ-pw', 2],
  ['postgresql://adtech:Port5432/XYZ-pw@127.0.0.1:1/db', 'Port5432/XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t#XYZ-pw@127.0.0.1:1/db', 'S3cr3t#XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t?XYZ-pw@127.0.0.1:1/db', 'S3cr3t?XYZ-pw', 2],
  ['postgres://adtech:S3cr3t@XYZ-pw@127.0.0.1:1/db', 'S3cr3t@XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t-XYZ-pw@[::1/db', 'S3cr3t-XYZ-pw', 2],
  ['postgres//adtech:S3cr3t-XYZ-pw@127.0.0.1:1/db', 'S3cr3t-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t-XYZ-pw', 'S3cr3t-XYZ-pw', 2],
  ['postgresql://adtech:S3cr3t-XYZ-pw@127.0.0.1:1/db%', 'S3cr3t-XYZ-pw', 2],
  // Well formed but unreachable: a runtime failure, still without the password.
  ['postgresql://adtech:S3cr3t-XYZ-pw@127.0.0.1:1/db', 'S3cr3t-XYZ-pw', 1],
  ['postgresql://adtech:S3cr3t%20XYZ-pw@127.0.0.1:1/db', 'S3cr3t XYZ-pw', 1],
];

test('each malformed shape is refused before connecting, with a reason', () => {
  for (const [url, , exitCode] of CASES) {
    if (exitCode === 2) expect(pgUrlProblem(url), url).not.toBeNull();
    else expect(pgUrlProblem(url), url).toBeNull();
  }
  expect(pgUrlProblem('postgresql://u:p%40ss@h:5432/db?sslmode=disable')).toBeNull();
  expect(pgUrlProblem('postgresql://u@[::1]:5432/db')).toBeNull();
  expect(pgUrlProblem('/var/run/postgresql adtech')).toBeNull();
});

test('no piece of the password reaches any output line, whatever the URL', async () => {
  for (const [url, password, exitCode] of CASES) {
    const run = await runCli('extractors/cli.ts', ['postgres', '--streams', 'clicks'], {
      PG_URL: url,
      CLICKHOUSE_PATH: clickhousePath,
      CLICKHOUSE_URL: undefined,
    });
    expect(run.exitCode, `${url}\n${run.stderr}`).toBe(exitCode);
    expect(run.stderr).toMatch(
      exitCode === 2 ? /PG_URL is not a valid connection string/ : /host unreachable/,
    );
    const output = run.stdout + run.stderr;
    const leaked = pieces(password).filter((piece) => output.includes(piece));
    expect(leaked, url).toEqual([]);
  }
}, 300_000);
