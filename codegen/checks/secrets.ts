/** Secrets a task passes must be declared in _project.yaml `secrets` (E016). */
import { didYouMean } from '../diagnostics.js';
import type { TaskCheck } from './types.js';

export const checkTaskSecrets: TaskCheck = ({ task, at, context, report }) => {
  const { secrets } = context.project;
  const kind = task.extract !== undefined ? 'extract' : 'container';
  for (const [index, env] of (task[kind]?.secrets ?? []).entries()) {
    if (!(env in secrets)) {
      report([...at, kind, 'secrets', index], 'E016', {
        env,
        hint: didYouMean(env, Object.keys(secrets)),
      });
    }
  }
};
