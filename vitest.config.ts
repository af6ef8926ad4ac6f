import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const guard = fileURLToPath(new URL('./test/support/network-guard.mjs', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    globalSetup: ['test/support/python-tools.ts'],
    // One process per test file: embedded ClickHouse allows one data folder per process.
    pool: 'forks',
    maxWorkers: 2,
    // Real dbt, Airflow and Superset runs take tens of seconds each on two cores; this only catches hangs.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    env: {
      // A developer's running local stack (npm run local -- up) must not be found by tests.
      ADTECH_LOCAL_STACK: 'off',
      // Child processes started by tests (CLIs, generator, demo) carry the same guard.
      NODE_OPTIONS: `--import ${guard}`,
    },
  },
});
