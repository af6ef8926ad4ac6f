/**
 * `npm run dbt -- <dbt args>`: real dbt on `dbt/` against the warehouse `CLICKHOUSE_URL` names
 * (else the running local stack, `npm run local -- up`). Exit code: dbt's own (0 ok, 1 a model or
 * test failed, 2 dbt could not run), or 2 when there is no server to talk to.
 */
import { execa } from 'execa';
import { wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, isMainModule, runMain, UsageError } from '../cli/run.js';
import { withLocalStack } from '../extractors/core/local-stack.js';
import { DBT_PROJECT_DIR, dbtProcess, NoClickHouseServerError } from './dbt.js';

const USAGE = `usage: npm run dbt -- <dbt command and flags>     e.g. npm run dbt -- build --select +advertiser_campaigns_daily_ctr_report

Runs the real dbt (python/dbt/requirements.lock, installed into .venvs/dbt on first use) on the
project in dbt/, with dbt/profiles.yml pointed at CLICKHOUSE_URL (+ CLICKHOUSE_USER,
CLICKHOUSE_PASSWORD), or at the local stack started by \`npm run local -- up\`.`;

export async function main(args: readonly string[]): Promise<number> {
  // Only a leading --help is ours: later ones belong to dbt (`npm run dbt -- run --help`).
  if (args.length === 0 || wantsHelp(args.slice(0, 1))) {
    console.log(USAGE);
    return EXIT_OK;
  }
  let dbt: Awaited<ReturnType<typeof dbtProcess>>;
  try {
    dbt = await dbtProcess([...args], withLocalStack(process.env));
  } catch (error) {
    // No server to talk to: a configuration no retry fixes.
    if (error instanceof NoClickHouseServerError) throw new UsageError(error.message);
    throw error;
  }
  const result = await execa(dbt.file, dbt.args, {
    env: dbt.env,
    extendEnv: false,
    cwd: DBT_PROJECT_DIR,
    stdio: 'inherit',
    reject: false,
  });
  // dbt's own code: 0 ok, 1 a model or test failed, 2 dbt could not run.
  return result.exitCode ?? EXIT_FAILURE;
}

if (isMainModule(import.meta.url)) runMain('dbt', main);
