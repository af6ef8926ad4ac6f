/** The real `extract http-export` process: exit codes 0, 1 and 2, and `--help` doing no work. */
import { describe, expect, it } from 'vitest';
import { runCliProcess } from '../ad-platforms/support.js';
import { FAST, secretFragments, TOKEN, useExportTest } from './support.js';

const t = useExportTest();
const run = (flags: readonly string[] = [], env: Record<string, string> = {}) =>
  runCliProcess(['http-export', ...FAST, ...flags], t.env(env));

describe('extract http-export as a process', () => {
  it('exits 0 after a load, 1 when the backend keeps failing, 2 on a malformed manifest or no token', async () => {
    const ok = await run();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/extract http-export ok: 8 rows/);

    t.fake.faults.push({
      route: 'dataset:plans',
      times: 99,
      response: { status: 503, body: { detail: 'maintenance' } },
    });
    const failing = await run(['--datasets', 'plans']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('gave up after 3 attempts: HTTP 503 (maintenance)');

    t.fake.manifest = { version: 2, datasets: [] };
    const malformed = await run();
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('$.version');

    const noToken = await run([], { HTTP_EXPORT_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('HTTP_EXPORT_TOKEN is not set');
    for (const output of [ok, failing, malformed].flatMap((r) => [r.stdout, r.stderr])) {
      for (const fragment of secretFragments(TOKEN)) expect(output).not.toContain(fragment);
    }
  });

  it('--help lists the flags and secret and asks the backend nothing', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--manifest-path');
    expect(help.stdout).toContain('HTTP_EXPORT_TOKEN (required)');
    expect(t.fake.requests).toHaveLength(0);
  });
});
