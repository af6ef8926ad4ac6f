/**
 * Task settings, in a spec's `defaults` and on each task: the pool must be declared (E023) and
 * max_retry_delay needs exponential backoff to mean anything (W004).
 */
import { type DiagnosticParams, didYouMean } from '../diagnostics.js';
import type { DataPath } from '../parse.js';
import type { ProjectSpec, Spec, TaskSettings } from '../schema.js';
import type { Report, SpecCheck, TaskCheck } from './types.js';

/** Why a task cannot use `pool` (E023), or null when it is Airflow's default_pool or declared. */
export function poolProblem(project: ProjectSpec, pool: string): DiagnosticParams<'E023'> | null {
  if (pool === 'default_pool' || Object.hasOwn(project.pools ?? {}, pool)) return null;
  const declared = ['default_pool', ...Object.keys(project.pools ?? {})];
  return { pool, declared: declared.join(', '), hint: didYouMean(pool, declared) };
}

function checkSettings(
  settings: TaskSettings | undefined,
  at: DataPath,
  spec: Spec,
  project: ProjectSpec,
  report: Report,
): void {
  if (settings === undefined) return;
  const pool = settings.pool === undefined ? null : poolProblem(project, settings.pool);
  if (pool !== null) report([...at, 'pool'], 'E023', pool);
  if (settings.max_retry_delay !== undefined) {
    const backoff =
      settings.retry_exponential_backoff ??
      spec.defaults?.retry_exponential_backoff ??
      project.task_defaults?.retry_exponential_backoff ??
      false;
    if (!backoff) report([...at, 'max_retry_delay'], 'W004', {});
  }
}

export const checkDefaultSettings: SpecCheck = ({ spec, context, report }) =>
  checkSettings(spec.defaults, ['defaults'], spec, context.project, report);

export const checkTaskSettings: TaskCheck = ({ task, at, spec, context, report }) =>
  checkSettings(task, at, spec, context.project, report);
