/**
 * The task target (`target: docker | kubernetes`, in _project.yaml and per spec) and the
 * `kubernetes:` section of _project.yaml: what the KubernetesPodOperator tasks get. Part of the one
 * zod declaration schema.ts builds (the JSON Schemas are generated from it); checks that need more
 * than one value (request ≤ limit, label keys, secrets declared) are in checks/kubernetes.ts.
 */
import { z } from 'zod';
import { didYouMean } from './diagnostics.js';
import {
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  dnsLabelProblem,
  dnsSubdomainProblem,
  labelValueProblem,
  QUANTITY_PATTERN,
  resourceQuantityProblem,
  secretKeyProblem,
} from './k8s-grammar.js';
import { refined } from './refine.js';

export const TASK_TARGETS = ['docker', 'kubernetes'] as const;
export type TaskTarget = (typeof TASK_TARGETS)[number];
/** Today's output: a project that says nothing compiles exactly as before the target existed. */
export const DEFAULT_TARGET: TaskTarget = 'docker';

export function isTaskTarget(value: string): value is TaskTarget {
  return TASK_TARGETS.some((target) => target === value);
}

/** A refinement rather than z.enum so an unknown target gets its own code (E040). */
export const targetSchema = refined(z.string(), 'E040', (value) =>
  isTaskTarget(value)
    ? null
    : `unknown target '${value}' (known: ${TASK_TARGETS.join(', ')})${didYouMean(value, TASK_TARGETS)}`,
).meta({
  enum: [...TASK_TARGETS],
  description: `Where tasks run: docker (DockerOperator on the Airflow host's Docker) or kubernetes (KubernetesPodOperator pods, settings in _project.yaml \`kubernetes\`). Default: ${DEFAULT_TARGET}.`,
});

// Patterns for editors (the JSON Schemas); the refinements give the located diagnostics.
const dnsLabel = refined(z.string(), 'E039', dnsLabelProblem).meta({
  pattern: DNS1123_LABEL.source,
  maxLength: 63,
});
const dnsSubdomain = refined(z.string(), 'E039', dnsSubdomainProblem).meta({
  pattern: DNS1123_SUBDOMAIN.source,
  maxLength: 253,
});

/** YAML reads `cpu: 1` or `cpu: 0.5` as numbers; Kubernetes accepts them, so do we. */
const quantity = refined(z.union([z.string(), z.number()]), 'E037', (value) =>
  resourceQuantityProblem(String(value)),
).meta({
  description: "A Kubernetes quantity: CPU '250m' or '1', memory '512Mi' or '1Gi'.",
  pattern: QUANTITY_PATTERN.source,
});

export const RESOURCE_NAMES = ['cpu', 'memory', 'ephemeral-storage'] as const;

const resourceList = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  'ephemeral-storage': quantity.optional(),
});

const resourcesSchema = z
  .strictObject({
    requests: resourceList.optional().meta({ description: 'What the scheduler reserves.' }),
    limits: resourceList
      .optional()
      .meta({ description: 'The most the container may use (memory above it: OOM-killed).' }),
  })
  .meta({ description: "A container's resource requests and limits (each request ≤ its limit)." });

export const TASK_KINDS = ['extract', 'dbt', 'container'] as const;

/** The label values of a node selector (keys: checks/kubernetes.ts, which locates the key). */
const labelMap = z.record(z.string(), refined(z.string(), 'E039', labelValueProblem));

const tolerationSchema = z.strictObject({
  key: z.string().optional().meta({ description: 'The taint key (a label key); none: all keys.' }),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: refined(z.string(), 'E039', labelValueProblem).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  toleration_seconds: z.int().min(0).optional(),
});

const secretRef = z
  .strictObject({
    secret: dnsSubdomain.meta({ description: 'The Kubernetes Secret (in the namespace).' }),
    key: refined(z.string(), 'E039', secretKeyProblem).meta({
      description: 'The key in its data.',
    }),
  })
  .meta({ description: 'A key of a Kubernetes Secret (a secretKeyRef in the pod).' });

export const ON_FINISH_ACTIONS = [
  'delete_pod',
  'delete_succeeded_pod',
  'delete_active_pod',
  'keep_pod',
] as const;
export type OnFinishAction = (typeof ON_FINISH_ACTIONS)[number];

export const kubernetesSchema = z
  .strictObject({
    namespace: dnsLabel.meta({ description: 'Namespace of every task pod.' }),
    connection: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, {
        error: "a connection id may hold only letters, digits, '_', '.' and '-'",
      })
      .optional()
      .meta({
        description:
          "The Airflow Kubernetes connection (kubernetes_conn_id) for an Airflow outside the cluster; none: the provider's default, in-cluster configuration first.",
      }),
    service_account: dnsSubdomain
      .optional()
      .meta({ description: 'Service account of the task pods (none: the namespace default).' }),
    image_pull_policy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    image_pull_secrets: z
      .array(dnsSubdomain)
      .optional()
      .meta({ description: 'Secrets (docker-registry) the kubelet pulls the images with.' }),
    labels: labelMap.optional().meta({ description: 'Labels every task pod gets.' }),
    node_selector: labelMap.optional(),
    tolerations: z.array(tolerationSchema).optional(),
    on_finish_action: z.enum(ON_FINISH_ACTIONS).optional().meta({
      description: "What happens to a finished pod (the provider's default: delete_pod).",
    }),
    startup_timeout_seconds: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'How long a pod may take to start (image pull included).' }),
    resources: z
      .strictObject({
        extract: resourcesSchema.optional(),
        dbt: resourcesSchema.optional(),
        container: resourcesSchema.optional(),
      })
      .optional()
      .meta({
        description:
          'Requests and limits per task kind; a kind left out gets the built-in defaults (codegen/k8s-lower.ts).',
      }),
    secrets: z.record(z.string(), secretRef).optional().meta({
      description:
        'Secrets (names from `secrets`) read from Kubernetes Secrets instead of Airflow; the rest are read from Airflow when the task starts.',
    }),
    env_from_secrets: z.array(dnsSubdomain).optional().meta({
      description: 'Kubernetes Secrets whose every key becomes environment of every pod.',
    }),
  })
  .meta({ description: 'KubernetesPodOperator settings for `target: kubernetes`.' });

export type KubernetesSpec = z.output<typeof kubernetesSchema>;
export type ResourcesSpec = z.output<typeof resourcesSchema>;
