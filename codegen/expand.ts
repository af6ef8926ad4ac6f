/**
 * Tasks after fan-out, as validation and lowering both see them: a task with `for_each` becomes
 * one copy per item, `<task id>__<item id>`.
 */
import type { FanOutItem } from './placeholders.js';
import type { Spec, TaskSpec } from './schema.js';

/** Airflow rejects longer task ids (and dag ids). */
export const MAX_AIRFLOW_ID_LENGTH = 250;

/** A task copy after fan-out. */
export interface ExpandedTask {
  task: TaskSpec;
  /** Index of the task in the spec's `tasks` list. */
  index: number;
  item: FanOutItem | null;
  taskId: string;
}

/** The task's fan-out items; `[null]` for a task without for_each. */
export function fanOutItems(task: TaskSpec): (FanOutItem | null)[] {
  if (task.for_each === undefined) return [null];
  return task.for_each.map((item) =>
    typeof item === 'string' ? { id: item } : (item as FanOutItem),
  );
}

export function expandTasks(spec: Spec): ExpandedTask[] {
  return spec.tasks.flatMap((task, index) =>
    fanOutItems(task).map((item) => ({
      task,
      index,
      item,
      taskId: item === null ? task.id : `${task.id}__${item.id}`,
    })),
  );
}

/** Upstream task ids of a task copy, given every copy in the DAG. Unknown names are skipped. */
export function resolveAfter(task: TaskSpec, expanded: readonly ExpandedTask[]): string[] {
  const upstream = new Set<string>();
  for (const name of task.after ?? []) {
    for (const other of expanded)
      if (other.task.id === name || other.taskId === name) upstream.add(other.taskId);
  }
  return [...upstream].sort();
}
