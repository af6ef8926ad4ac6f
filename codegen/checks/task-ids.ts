/**
 * Task identity: each task is exactly one kind (E018), fan-out items are listed once (E019),
 * and every task id after fan-out is unique (E007), short enough (E033) and free of '..' (E034),
 * as Airflow requires.
 */
import { fanOutItems, MAX_AIRFLOW_ID_LENGTH } from '../expand.js';
import type { DataPath } from '../parse.js';
import type { TaskSpec } from '../schema.js';
import type { SpecCheck } from './types.js';

const KINDS = ['extract', 'dbt', 'container'] as const;

function kindProblem(task: TaskSpec): string | null {
  const given = KINDS.filter((kind) => task[kind] !== undefined);
  if (given.length === 1) return null;
  return given.length === 0
    ? 'needs one of extract, dbt or container'
    : `has ${given.join(' and ')}; a task is exactly one of extract, dbt or container`;
}

/** The start and end of a long id, for messages. */
function abbreviate(id: string): string {
  return id.length <= 60 ? id : `${id.slice(0, 40)}...${id.slice(-12)}`;
}

export const checkTaskIds: SpecCheck = ({ spec, report, lineOf }) => {
  const seenIds = new Map<string, DataPath>();
  for (const [index, task] of spec.tasks.entries()) {
    const at: DataPath = ['tasks', index];
    const kind = kindProblem(task);
    if (kind !== null) report([...at, 'id'], 'E018', { taskId: task.id, problem: kind });
    const itemIds = new Set<string>();
    for (const [itemIndex, item] of fanOutItems(task).entries()) {
      const where: DataPath = item === null ? [...at, 'id'] : [...at, 'for_each', itemIndex];
      if (item !== null && itemIds.has(item.id)) {
        report(where, 'E019', { problem: `fan-out item '${item.id}' is listed twice` });
        continue;
      }
      if (item !== null) itemIds.add(item.id);
      const taskId = item === null ? task.id : `${task.id}__${item.id}`;
      if (taskId.length > MAX_AIRFLOW_ID_LENGTH) {
        report(where, 'E033', {
          taskId: abbreviate(taskId),
          length: taskId.length,
          max: MAX_AIRFLOW_ID_LENGTH,
          note: item === null ? '' : ' (a fan-out copy is <task id>__<item id>)',
        });
      }
      const previous = seenIds.get(taskId);
      if (previous !== undefined) report(where, 'E007', { taskId, line: lineOf(previous) });
      else seenIds.set(taskId, where);
    }
    if (task.id.includes('..')) report([...at, 'id'], 'E034', { taskId: task.id });
  }
};
