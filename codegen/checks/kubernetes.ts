/**
 * Checks of the Kubernetes task target beyond its schema (k8s-schema.ts): each resource request is
 * at most its limit (E038), label and node-selector keys and toleration keys follow Kubernetes'
 * label-key rules (E039, located at the key), `kubernetes.secrets` names only declared secrets
 * with names the provider keeps as written (E036, E039), and `target: kubernetes` has a
 * `kubernetes:` section to read (E041), in _project.yaml or in a spec.
 */
import { didYouMean } from '../diagnostics.js';
import { labelKeyProblem, quantityValue } from '../k8s-grammar.js';
import { DEFAULT_RESOURCES, resourcesOf } from '../k8s-lower.js';
import { RESOURCE_NAMES, TASK_KINDS } from '../k8s-schema.js';
import type { ProjectCheck, SpecCheck } from './types.js';

/** Compared after defaults: a request above the built-in limit is as broken as above a given one. */
const checkRequestsWithinLimits: ProjectCheck = ({ project, report }) => {
  for (const kind of TASK_KINDS) {
    const given = project.kubernetes?.resources?.[kind];
    const effective = resourcesOf(given, DEFAULT_RESOURCES[kind]);
    for (const name of RESOURCE_NAMES) {
      const request = effective.requests[name];
      const limit = effective.limits[name];
      if (request === undefined || limit === undefined) continue;
      const requested = quantityValue(request);
      const limited = quantityValue(limit);
      if (requested === null || limited === null || requested <= limited) continue;
      const part = given?.requests?.[name] !== undefined ? 'requests' : 'limits';
      report(['kubernetes', 'resources', kind, part, name], 'E038', {
        path: `kubernetes.resources.${kind}.${part}.${name}`,
        request: given?.requests?.[name] !== undefined ? request : `${request} (default)`,
        limit: given?.limits?.[name] !== undefined ? limit : `${limit} (default)`,
      });
    }
  }
};

const checkLabelKeys: ProjectCheck = ({ project, report }) => {
  const kubernetes = project.kubernetes;
  for (const field of ['labels', 'node_selector'] as const) {
    for (const key of Object.keys(kubernetes?.[field] ?? {})) {
      const problem = labelKeyProblem(key);
      if (problem !== null)
        report(
          ['kubernetes', field, key],
          'E039',
          { path: `kubernetes.${field}`, problem },
          {
            key: true,
          },
        );
    }
  }
  for (const [index, toleration] of (kubernetes?.tolerations ?? []).entries()) {
    const problem = toleration.key === undefined ? null : labelKeyProblem(toleration.key);
    if (problem !== null)
      report(['kubernetes', 'tolerations', index, 'key'], 'E039', {
        path: `kubernetes.tolerations[${index}].key`,
        problem,
      });
  }
};

const checkSecretRefs: ProjectCheck = ({ project, report }) => {
  const declared = Object.keys(project.secrets);
  for (const env of Object.keys(project.kubernetes?.secrets ?? {})) {
    const where = ['kubernetes', 'secrets', env];
    if (!(env in project.secrets))
      report(where, 'E036', { env, hint: didYouMean(env, declared) }, { key: true });
    // The provider's Secret upper-cases an env target: a lower-case name would silently become
    // another variable than the one the container reads.
    else if (env !== env.toUpperCase())
      report(
        where,
        'E039',
        {
          path: 'kubernetes.secrets',
          problem: `'${env}' must be upper case: the provider's Secret upper-cases environment names`,
        },
        { key: true },
      );
  }
};

const checkProjectTarget: ProjectCheck = ({ project, report }) => {
  if (project.target === 'kubernetes' && project.kubernetes === undefined)
    report(['target'], 'E041', {});
};

/** Checks of the project file's Kubernetes settings, by family. */
export const kubernetesProjectChecks: Readonly<Record<string, ProjectCheck>> = {
  kubernetesResources: checkRequestsWithinLimits,
  kubernetesLabels: checkLabelKeys,
  kubernetesSecrets: checkSecretRefs,
  kubernetesTarget: checkProjectTarget,
};

/** A spec that switches itself to Kubernetes needs the project's settings for it. */
export const checkSpecTarget: SpecCheck = ({ spec, context, report }) => {
  if (spec.target === 'kubernetes' && context.project.kubernetes === undefined)
    report(['target'], 'E041', {});
};
