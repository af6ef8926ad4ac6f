/** dbt options the task's dbt command does not take (E026). */
import type { TaskCheck } from './types.js';

const FULL_REFRESH_COMMANDS = ['build', 'run', 'seed'];

export const checkDbtOptions: TaskCheck = ({ task, at, report }) => {
  const dbt = task.dbt;
  if (dbt === undefined) return;
  if (dbt.full_refresh !== undefined && !FULL_REFRESH_COMMANDS.includes(dbt.command)) {
    report([...at, 'dbt', 'full_refresh'], 'E026', {
      problem: `full_refresh applies to dbt build, run and seed, not '${dbt.command}'`,
    });
  }
  if (
    dbt.command === 'source freshness' &&
    (dbt.exclude !== undefined || dbt.selector !== undefined)
  ) {
    report([...at, 'dbt'], 'E026', { problem: "dbt 'source freshness' takes select only" });
  }
};
