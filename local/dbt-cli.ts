/**
 * `npm run dbt -- <dbt args>`: real dbt on `dbt/` against the warehouse `CLICKHOUSE_URL` names
 * (else the running local stack, `npm run local -- up`). Exit code: dbt's own (0 ok, 1 a model or
 * test failed, 2 dbt could not run), or 2 when there is no server to talk to.
 */
import { execa } from 'execa';
import { withLocalStack } from '../extractors/core/local-stack.js';
import { DBT_PROJECT_DIR, dbtProcess, NoClickHouseServerError } from './dbt.js';

const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
  console.log(`usage: npm run dbt -- <dbt command and flags>     e.g. npm run dbt -- build --select +advertiser_campaigns_daily_ctr_report

Runs the real dbt (python/dbt/requirements.lock, installed into .venvs/dbt on first use) on the
project in dbt/, with dbt/profiles.yml pointed at CLICKHOUSE_URL (+ CLICKHOUSE_USER,
CLICKHOUSE_PASSWORD), or at the local stack started by \`npm run local -- up\`.`);
  process.exit(0);
}
try {
  const dbt = await dbtProcess(args, withLocalStack(process.env));
  const result = await execa(dbt.file, dbt.args, {
    env: dbt.env,
    extendEnv: false,
    cwd: DBT_PROJECT_DIR,
    stdio: 'inherit',
    reject: false,
  });
  process.exit(result.exitCode ?? 1);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof NoClickHouseServerError ? 2 : 1);
}
