/**
 * The intermediate representation: what every DAG does, with every default filled in and fan-outs
 * expanded. The Python emitter turns it into Airflow code; the local runner (`npm run dag`) runs
 * the same tasks, commands, environment and secrets without Airflow. Nothing here is Airflow- or
 * Python-specific except where a field says so.
 *
 * Values that only exist at run time stay structured (`Arg`), so each consumer renders them its
 * own way: the emitter as Airflow Jinja, the local runner as concrete values.
 */

import type { OnFinishAction, TaskTarget } from './k8s-schema.js';

export type { OnFinishAction, TaskTarget };

/**
 * A value known only when the run starts.
 * - `window_start`: first day of the run's window, `YYYY-MM-DD` in the DAG's time zone (inclusive);
 * - `window_end`: the day after the window's last day, `YYYY-MM-DD` (exclusive);
 * - `run_id`: the Airflow run id (the local runner makes its own).
 * How the window is derived from a run: see `windowFor` in window.ts.
 */
export type TemplateName = 'window_start' | 'window_end' | 'run_id';

export interface TemplateRef {
  template: TemplateName;
}

/** A command argument or environment value. */
export type Arg =
  | string
  | TemplateRef
  /** Literal text and run-time values joined, e.g. `--date=${since}`. */
  | { concat: readonly (string | TemplateRef)[] }
  /** Raw Airflow Jinja, passed through verbatim (only from container `command` / `environment`). */
  | { jinja: string };

export type SecretSource =
  | { kind: 'variable'; key: string }
  | {
      kind: 'connection';
      connId: string;
      field: 'password' | 'login' | 'host' | 'schema' | 'port' | 'uri' | 'extra';
      /** With field `extra`: one key of the connection's extra JSON; null for the whole JSON. */
      extraKey: string | null;
    };

export interface SecretBinding {
  /** Environment variable the container reads. */
  env: string;
  source: SecretSource;
}

/** Where in a spec a thing was declared, for diagnostics raised after lowering. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface IrTask {
  /** Airflow task id; a fanned-out copy is `<id>__<item id>`. */
  taskId: string;
  /** The id written in the spec (equal to taskId unless fanned out). */
  specId: string;
  /** The fan-out item id, or null. */
  item: string | null;
  kind: 'extract' | 'dbt' | 'container';
  /** For extract tasks: the extractor source (sub-command). */
  source: string | null;
  description: string | null;
  image: string;
  /** Overrides the image ENTRYPOINT; null keeps the image's own (the extractor image's is `extract`). */
  entrypoint: readonly string[] | null;
  command: readonly Arg[];
  /** Non-secret environment, sorted by name: project environment, kind environment, task environment. */
  environment: Readonly<Record<string, Arg>>;
  /** Secrets read at run time, sorted by env name. Never values, only where they come from. */
  secrets: readonly SecretBinding[];
  /** Task ids (after fan-out) this task waits for, sorted. */
  upstream: readonly string[];
  /** Asset URIs this task updates, sorted. */
  outlets: readonly string[];
  retries: number;
  retryDelaySeconds: number;
  retryExponentialBackoff: boolean;
  maxRetryDelaySeconds: number | null;
  executionTimeoutSeconds: number | null;
  /** Exit codes that skip the task instead of failing it, sorted; empty for none. */
  skipOnExitCodes: readonly number[];
  pool: string;
  poolSlots: number;
  location: SourceLocation;
}

export type IrSchedule =
  | { kind: 'manual' }
  | { kind: 'once' }
  /** `cron` has presets resolved; `expression` is what the spec said. */
  | { kind: 'cron'; cron: string; expression: string }
  /**
   * Runs when assets are updated: `any` of them (Airflow `a | b`) or after `all` of them have
   * been updated since the last run (Airflow `a & b`). `uris` sorted, no duplicates.
   */
  | { kind: 'assets'; uris: readonly string[]; when: AssetCondition };

/** Whether an asset schedule waits for any one of its assets or for all of them. */
export type AssetCondition = 'any' | 'all';

export interface IrDag {
  dagId: string;
  /** The spec file (display path) and the sha256 of its text. */
  specFile: string;
  specSha256: string;
  description: string | null;
  docMd: string | null;
  owner: string;
  tags: readonly string[];
  schedule: IrSchedule;
  /** IANA zone of start_date, cron and the run window. */
  timezone: string;
  /** Local date-time in `timezone`, `YYYY-MM-DDTHH:MM:SS`. */
  startDate: string;
  endDate: string | null;
  catchup: boolean;
  maxActiveRuns: number;
  maxActiveTasks: number;
  dagrunTimeoutSeconds: number | null;
  /** Airflow HTTP connection id of the failure webhook, or null for no notification. */
  failureWebhookConnection: string | null;
  docker: { url: string; network: string };
  /** What runs the tasks: DockerOperator (docker) or KubernetesPodOperator (kubernetes). */
  target: TaskTarget;
  /** The pods' settings, defaults filled; null unless `target` is kubernetes. */
  kubernetes: IrKubernetes | null;
  /** In spec order, fan-outs expanded in place. */
  tasks: readonly IrTask[];
}

/** Quantities by resource name (cpu, memory, ephemeral-storage), sorted by name. */
export interface IrResources {
  requests: Readonly<Record<string, string>>;
  limits: Readonly<Record<string, string>>;
}

export interface IrToleration {
  key: string | null;
  operator: 'Exists' | 'Equal' | null;
  value: string | null;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | null;
  tolerationSeconds: number | null;
}

/** KubernetesPodOperator settings of a DAG's tasks (from _project.yaml `kubernetes`). */
export interface IrKubernetes {
  namespace: string;
  /** Airflow connection id (kubernetes_conn_id); null for the provider's default. */
  connection: string | null;
  serviceAccount: string | null;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never' | null;
  imagePullSecrets: readonly string[];
  /** Sorted by key. */
  labels: Readonly<Record<string, string>>;
  /** Sorted by key. */
  nodeSelector: Readonly<Record<string, string>>;
  tolerations: readonly IrToleration[];
  onFinishAction: OnFinishAction;
  startupTimeoutSeconds: number | null;
  /** Requests and limits per task kind, built-in defaults filled in. */
  resources: Readonly<Record<IrTask['kind'], IrResources>>;
  /**
   * Secrets the pod reads from Kubernetes Secrets (secretKeyRef), by env name, sorted; a task's
   * other secrets are read from Airflow when it starts (IrTask.secrets says where).
   */
  secretRefs: Readonly<Record<string, { secret: string; key: string }>>;
  /** Kubernetes Secrets whose every key becomes environment (envFrom). */
  envFromSecrets: readonly string[];
}

export interface IrPool {
  name: string;
  slots: number;
  description: string;
}

export interface IrProject {
  /** Sorted by dag_id. */
  dags: readonly IrDag[];
  /** Pools declared in _project.yaml, sorted by name. */
  pools: readonly IrPool[];
  /** The images tasks run by default, from _project.yaml (the local runner builds these two). */
  images: { readonly extractor: string; readonly dbt: string };
}
