/**
 * _project.yaml `kubernetes` → IrKubernetes, with the built-in defaults for what it leaves out.
 * Runs only on a project that passed validation.
 */
import { compareText } from './diagnostics.js';
import type { IrKubernetes, IrResources, IrTask, TaskTarget } from './ir.js';
import {
  DEFAULT_TARGET,
  isTaskTarget,
  type KubernetesSpec,
  type ResourcesSpec,
  TASK_KINDS,
} from './k8s-schema.js';

/**
 * Requests and limits per task kind when _project.yaml gives none, from the memory we measure.
 * No CPU limit: a throttled extractor only gets slower, and its CPU request already reserves its
 * share; memory is what kills a pod, so it has a limit.
 */
export const DEFAULT_RESOURCES: Readonly<Record<IrTask['kind'], IrResources>> = {
  // README "Benchmarks" (`npm run bench`), peak RSS of one extractor process: ads 567–624 MB,
  // postgres copy 553 MB, clickhouse-pull 759 MB, postgres CDC burst 876 MB (the largest). All
  // include 330–365 MB of embedded ClickHouse engine that the image, writing to a server, does
  // not load, so they are upper bounds. Request 640Mi (= 671 MB) covers the ads / copy runs;
  // limit 1Gi (= 1074 MB) covers the CDC peak with about 20 % to spare.
  extract: { requests: { cpu: '250m', memory: '640Mi' }, limits: { memory: '1Gi' } },
  // `dbt parse` of dbt/ peaks at 121 MB RSS (/usr/bin/time -v, .venvs/dbt, dbt-core 1.11);
  // `npm run bench` measures dbt's time, not its memory. A run holds the same manifest plus its
  // 4 threads' results (the SQL runs in ClickHouse): request 256Mi ≈ 2× the parse peak, limit
  // 512Mi ≈ 4×.
  dbt: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  // Container tasks run the extractor image (the OLTP generator, ...): the extractor's figures.
  container: { requests: { cpu: '250m', memory: '640Mi' }, limits: { memory: '1Gi' } },
};

/**
 * Ours, not the provider's (delete_pod): a failed pod is kept for `kubectl logs` / `describe`,
 * a succeeded one is removed.
 */
const DEFAULT_ON_FINISH_ACTION = 'delete_succeeded_pod';

/** The spec's target, else the project's, else docker. */
export function targetOf(specTarget: string | undefined, projectTarget: string | undefined) {
  const target = specTarget ?? projectTarget ?? DEFAULT_TARGET;
  // Validation guarantees a known target.
  if (!isTaskTarget(target)) throw new Error(`unknown target passed validation: ${target}`);
  return target;
}

export function lowerKubernetes(
  target: TaskTarget,
  spec: KubernetesSpec | undefined,
): IrKubernetes | null {
  if (target !== 'kubernetes') return null;
  // Validation guarantees the section for a kubernetes target (E041).
  if (spec === undefined) throw new Error('target kubernetes without settings passed validation');
  return {
    namespace: spec.namespace,
    connection: spec.connection ?? null,
    serviceAccount: spec.service_account ?? null,
    imagePullPolicy: spec.image_pull_policy ?? null,
    imagePullSecrets: [...(spec.image_pull_secrets ?? [])],
    labels: sortedRecord(spec.labels ?? {}),
    nodeSelector: sortedRecord(spec.node_selector ?? {}),
    tolerations: (spec.tolerations ?? []).map((toleration) => ({
      key: toleration.key ?? null,
      operator: toleration.operator ?? null,
      value: toleration.value ?? null,
      effect: toleration.effect ?? null,
      tolerationSeconds: toleration.toleration_seconds ?? null,
    })),
    onFinishAction: spec.on_finish_action ?? DEFAULT_ON_FINISH_ACTION,
    startupTimeoutSeconds: spec.startup_timeout_seconds ?? null,
    resources: Object.fromEntries(
      TASK_KINDS.map((kind) => [
        kind,
        resourcesOf(spec.resources?.[kind], DEFAULT_RESOURCES[kind]),
      ]),
    ) as Record<IrTask['kind'], IrResources>,
    secretRefs: sortedRecord(spec.secrets ?? {}),
    envFromSecrets: [...new Set(spec.env_from_secrets ?? [])],
  };
}

/** A kind that gives requests or limits replaces the default of that part as a whole. */
export function resourcesOf(spec: ResourcesSpec | undefined, fallback: IrResources): IrResources {
  const quantities = (given: ResourcesSpec['requests'], built: Readonly<Record<string, string>>) =>
    given === undefined
      ? built
      : sortedRecord(
          Object.fromEntries(
            Object.entries(given).flatMap(([name, value]) =>
              value === undefined ? [] : [[name, String(value)]],
            ),
          ),
        );
  return {
    requests: quantities(spec?.requests, fallback.requests),
    limits: quantities(spec?.limits, fallback.limits),
  };
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b))) as Record<
    string,
    T
  >;
}
