/**
 * Checks of `_project.yaml` beyond its schema: every secret it names is declared (E036), the
 * default pool exists (E023), and `extra_key` goes with `field: extra` (E029); the Kubernetes
 * settings' checks are in kubernetes.ts.
 */
import { didYouMean } from '../diagnostics.js';
import type { DataPath } from '../parse.js';
import { kubernetesProjectChecks } from './kubernetes.js';
import { poolProblem } from './settings.js';
import type { ProjectCheck } from './types.js';

const checkSecretsDeclared: ProjectCheck = ({ project, report }) => {
  const declared = Object.keys(project.secrets);
  const check = (env: string, where: DataPath) => {
    if (!(env in project.secrets)) report(where, 'E036', { env, hint: didYouMean(env, declared) });
  };
  for (const [index, env] of (project.shared_secrets ?? []).entries())
    check(env, ['shared_secrets', index]);
  for (const [index, env] of (project.dbt?.secrets ?? []).entries())
    check(env, ['dbt', 'secrets', index]);
};

const checkDefaultPool: ProjectCheck = ({ project, report }) => {
  const pool = project.task_defaults?.pool;
  const problem = pool === undefined ? null : poolProblem(project, pool);
  if (problem !== null) report(['task_defaults', 'pool'], 'E023', problem);
};

const checkSecretSources: ProjectCheck = ({ project, report }) => {
  for (const [env, source] of Object.entries(project.secrets)) {
    if ('extra_key' in source && source.extra_key !== undefined && source.field !== 'extra') {
      report(['secrets', env, 'extra_key'], 'E029', {
        setting: `secrets.${env}: extra_key`,
        requirement: 'field: extra',
      });
    }
  }
};

/** Checks of the project file, by family. */
export const projectChecks: Readonly<Record<string, ProjectCheck>> = {
  secrets: checkSecretsDeclared,
  pool: checkDefaultPool,
  secretSources: checkSecretSources,
  ...kubernetesProjectChecks, // E036 E038 E039 E041
};
