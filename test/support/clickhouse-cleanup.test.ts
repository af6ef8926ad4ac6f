/**
 * The temp ClickHouse folders a test file makes are gone after it. The check is registered before
 * the support module is imported (dynamically, below), so it runs after the module's own
 * `afterAll` (vitest runs `afterAll` hooks last-registered first).
 */
import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';

const made: string[] = [];

afterAll(() => {
  expect(made).toHaveLength(2);
  for (const folder of made) expect(existsSync(folder), folder).toBe(false);
});

const { openClickHouse, tempClickHousePath } = await import('./clickhouse.js');

it('tempClickHousePath and openClickHouse folders outlive the test, not the file', async () => {
  const bare = await tempClickHousePath();
  made.push(bare);
  const opened = await openClickHouse();
  made.push(opened.path);
  // Closed but not destroyed, as a test that hands the folder to a child process leaves it.
  await opened.close();
  expect(existsSync(bare) && existsSync(opened.path)).toBe(true);
});
