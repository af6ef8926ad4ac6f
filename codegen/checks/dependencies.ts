/**
 * `after:` between tasks: every name refers to a task or task copy of the DAG (E008), and the
 * tasks after fan-out form no cycle (E009, the cycle printed).
 */
import { didYouMean } from '../diagnostics.js';
import { type ExpandedTask, resolveAfter } from '../expand.js';
import type { SpecCheck } from './types.js';

export const checkAfterReferences: SpecCheck = ({ spec, expanded, dropped, report }) => {
  const names = [
    ...new Set([...spec.tasks.map((task) => task.id), ...expanded.map((copy) => copy.taskId)]),
  ];
  for (const [index, task] of spec.tasks.entries()) {
    for (const [refIndex, name] of (task.after ?? []).entries()) {
      // A task the schema rejected is reported there, not again at each reference to it.
      const refersToDropped = [...dropped].some((id) => name === id || name.startsWith(`${id}__`));
      if (!names.includes(name) && !refersToDropped) {
        report(['tasks', index, 'after', refIndex], 'E008', {
          name,
          hint: didYouMean(name, names),
        });
      }
    }
  }
};

export const checkCycles: SpecCheck = ({ expanded, report }) => {
  const cycle = findCycle(expanded);
  if (cycle === null) return;
  const first = expanded.find((copy) => copy.taskId === cycle[0]);
  report(['tasks', first?.index ?? 0, 'after'], 'E009', { cycle: cycle.join(' -> ') });
};

/** The first dependency cycle as task ids (first repeated at the end), or null. */
function findCycle(expanded: readonly ExpandedTask[]): string[] | null {
  const upstream = new Map(
    expanded.map((copy) => [copy.taskId, resolveAfter(copy.task, expanded)]),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of upstream.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const copy of expanded) {
    const cycle = visit(copy.taskId);
    if (cycle !== null) return cycle.reverse();
  }
  return null;
}
