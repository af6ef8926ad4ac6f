import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const guard = fileURLToPath(new URL('./test/support/network-guard.mjs', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    // One process per test file: embedded ClickHouse allows one data folder per process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    env: {
      // Child processes started by tests (CLIs, generator, demo) carry the same guard.
      NODE_OPTIONS: `--import ${guard}`,
    },
  },
});
