/**
 * `target: kubernetes`: each task as the provider's KubernetesPodOperator
 * (apache-airflow-providers-cncf-kubernetes), through `AdtechKubernetesPodOperator`
 * (airflow/plugins/adtech_airflow_kubernetes.py), which adds only `secret_env`: secrets read from
 * Airflow Variables / Connections when the task starts, as the Docker target does.
 *
 * The mapping from a task: image → `image`; the entrypoint (if any) → `cmds` (the container's
 * `command`), the command → `arguments` (its `args`); the environment → `env_vars`. Secrets named
 * in _project.yaml `kubernetes.secrets` become the provider's `Secret("env", NAME, secret, key)`
 * (a secretKeyRef: the value never passes through Airflow); `env_from_secrets` become
 * `Secret("env", None, secret)` (envFrom). Resources per task kind, namespace, service account,
 * pull policy and secrets, labels, node selector, tolerations, `on_finish_action` and the Airflow
 * connection (`kubernetes_conn_id`, an Airflow outside the cluster) come from
 * IrKubernetes. `do_xcom_push=False`: no XCom sidecar.
 *
 * Templated strings go through the same `argTemplate` as the Docker target: KubernetesPodOperator
 * has no template file extensions, so the Docker ones it also guards against only wrap a few more
 * values as Jinja string literals, which render to the same text.
 */
import { environmentDict, list, operatorCall, secretEnv, taskSettingArgs } from './emit-common.js';
import type { IrDag, IrKubernetes, IrResources, IrTask, IrToleration } from './ir.js';
import { argTemplate, pyString, pyValue } from './python.js';

/** The Python module holding AdtechKubernetesPodOperator (next to the runtime module). */
export const KUBERNETES_RUNTIME_MODULE = 'adtech_airflow_kubernetes';

/** Third-party imports of a kubernetes-target file (after `from airflow import DAG`). */
export function kubernetesImports(dag: IrDag): string[] {
  const usesSecrets = dag.tasks.some((task) => kubernetesSecrets(task, dag.kubernetes).length > 0);
  return [
    ...(usesSecrets ? ['from airflow.providers.cncf.kubernetes.secret import Secret'] : []),
    'from kubernetes.client import models as k8s',
  ];
}

export function kubernetesTaskBlock(task: IrTask, settings: IrKubernetes): string[] {
  const args: [string, string][] = [
    ['task_id', pyString(task.taskId)],
    ['namespace', pyString(settings.namespace)],
  ];
  if (settings.connection !== null)
    args.push(['kubernetes_conn_id', pyString(settings.connection)]);
  args.push(['image', pyString(argTemplate(task.image))]);
  // `cmds` is a template field here (DockerOperator's entrypoint is not): rendered like the rest.
  if (task.entrypoint !== null)
    args.push([
      'cmds',
      `[${task.entrypoint.map((part) => pyString(argTemplate(part))).join(', ')}]`,
    ]);
  args.push(['arguments', list(task.command.map((arg) => pyString(argTemplate(arg))))]);
  args.push(['env_vars', environmentDict(task)]);
  args.push([
    'secret_env',
    secretEnv(task.secrets.filter((secret) => !(secret.env in settings.secretRefs))),
  ]);
  const secrets = kubernetesSecrets(task, settings);
  if (secrets.length > 0) args.push(['secrets', list(secrets)]);
  if (settings.serviceAccount !== null)
    args.push(['service_account_name', pyString(settings.serviceAccount)]);
  if (settings.imagePullPolicy !== null)
    args.push(['image_pull_policy', pyString(settings.imagePullPolicy)]);
  if (settings.imagePullSecrets.length > 0) {
    const references = settings.imagePullSecrets.map(
      (name) => `k8s.V1LocalObjectReference(name=${pyString(name)})`,
    );
    args.push(['image_pull_secrets', `[${references.join(', ')}]`]);
  }
  args.push(['labels', pyValue({ ...settings.labels, 'adtech-pipeline/task-kind': task.kind })]);
  if (Object.keys(settings.nodeSelector).length > 0)
    args.push(['node_selector', pyValue(settings.nodeSelector)]);
  if (settings.tolerations.length > 0)
    args.push(['tolerations', list(settings.tolerations.map(toleration))]);
  args.push(['container_resources', resources(settings.resources[task.kind])]);
  args.push(['on_finish_action', pyString(settings.onFinishAction)]);
  if (settings.startupTimeoutSeconds !== null)
    args.push(['startup_timeout_seconds', pyValue(settings.startupTimeoutSeconds)]);
  args.push(['get_logs', 'True']);
  args.push(['do_xcom_push', 'False']);
  args.push(...taskSettingArgs(task));
  return operatorCall(task, 'AdtechKubernetesPodOperator', args);
}

/** The provider's Secret objects of a task: its secretKeyRefs by env name, then envFrom. */
function kubernetesSecrets(task: IrTask, settings: IrKubernetes | null): string[] {
  if (settings === null) return [];
  const refs = task.secrets.flatMap((secret) => {
    const ref = settings.secretRefs[secret.env];
    return ref === undefined
      ? []
      : [`Secret("env", ${pyString(secret.env)}, ${pyString(ref.secret)}, ${pyString(ref.key)})`];
  });
  const envFrom = settings.envFromSecrets.map((name) => `Secret("env", None, ${pyString(name)})`);
  return [...refs, ...envFrom];
}

function resources(given: IrResources): string {
  return `k8s.V1ResourceRequirements(requests=${quantities(given.requests)}, limits=${quantities(given.limits)})`;
}

function quantities(values: Readonly<Record<string, string>>): string {
  return Object.keys(values).length === 0 ? 'None' : pyValue(values);
}

function toleration(value: IrToleration): string {
  const fields: [string, string | number | null][] = [
    ['key', value.key],
    ['operator', value.operator],
    ['value', value.value],
    ['effect', value.effect],
    ['toleration_seconds', value.tolerationSeconds],
  ];
  const given = fields.filter(([, inner]) => inner !== null) as [string, string | number][];
  return `k8s.V1Toleration(${given.map(([name, inner]) => `${name}=${pyValue(inner)}`).join(', ')})`;
}
