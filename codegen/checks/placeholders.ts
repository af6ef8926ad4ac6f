/**
 * `${...}` placeholders in a task's fields: known names only (E025), fan-out values only in a
 * task with for_each and for keys every item has, run-time values only where the run can fill
 * them (E019). Raw Jinja passes through the container fields that allow it.
 */
import type { DataPath } from '../parse.js';
import { looksLikeJinja, placeholderProblem, placeholdersIn } from '../placeholders.js';
import type { TaskCheck } from './types.js';

interface Field {
  where: DataPath;
  value: string;
  /** Run-time placeholders (`${since}`…) are allowed here. */
  allowRun: boolean;
  /** Raw Airflow Jinja passes through here unchecked. */
  jinja: boolean;
}

export const checkPlaceholders: TaskCheck = ({ task, items, at, report }) => {
  const fields: Field[] = [];
  const add = (where: DataPath, value: unknown, allowRun: boolean, jinja = false) => {
    if (typeof value === 'string') fields.push({ where, value, allowRun, jinja });
    else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) add([...where, index], entry, allowRun, jinja);
    }
  };
  for (const [name, value] of Object.entries(task.extract?.flags ?? {}))
    add([...at, 'extract', 'flags', name], value, true);
  for (const key of ['select', 'exclude', 'selector', 'target'] as const)
    add([...at, 'dbt', key], task.dbt?.[key], true);
  if (task.dbt?.vars !== undefined)
    add([...at, 'dbt', 'vars'], JSON.stringify(task.dbt.vars), true);
  add([...at, 'container', 'command'], task.container?.command, true, true);
  add([...at, 'container', 'entrypoint'], task.container?.entrypoint, false);
  for (const [name, value] of Object.entries(task.container?.environment ?? {})) {
    add([...at, 'container', 'environment', name], value, true, true);
  }
  add([...at, 'produces'], task.produces, false);
  for (const field of fields) {
    if (field.jinja && looksLikeJinja(field.value)) continue;
    for (const name of placeholdersIn(field.value)) {
      for (const item of items) {
        const problem = placeholderProblem(name, item, field.allowRun);
        if (problem !== null) {
          report(field.where, problem.startsWith('unknown') ? 'E025' : 'E019', { problem });
          break;
        }
      }
    }
  }
};
