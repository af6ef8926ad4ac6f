/**
 * What the Docker and Kubernetes task emitters share: the task's environment and Airflow-read
 * secrets, the settings every operator takes (retries, timeouts, pool, outlets, docs), and the
 * layout of an operator call. Every value goes through python.ts.
 */
import type { Arg, IrTask, SecretBinding } from './ir.js';
import { argTemplate, pyString, pyValue } from './python.js';

/** The environment as a dict of templated strings (Docker `environment`, Kubernetes `env_vars`). */
export function environmentDict(task: IrTask): string {
  return dict(
    Object.entries(task.environment).map(([name, value]: [string, Arg]) => [
      name,
      pyString(argTemplate(value)),
    ]),
  );
}

/** Secrets read from Airflow when the task starts: env name → where (the runtime's SecretSource). */
export function secretEnv(secrets: readonly SecretBinding[]): string {
  return dict(secrets.map((secret) => [secret.env, secretTuple(secret)]));
}

export function operatorCall(task: IrTask, operator: string, args: readonly [string, string][]) {
  return [
    '',
    `    tasks[${pyString(task.taskId)}] = ${operator}(`,
    ...args.map(([name, value]) => `        ${name}=${value},`),
    '    )',
  ];
}

/** Retries, timeouts, pool, outlets and docs: the same for every target. */
export function taskSettingArgs(task: IrTask): [string, string][] {
  const args: [string, string][] = [];
  args.push(['retries', pyValue(task.retries)]);
  args.push(['retry_delay', timedelta(task.retryDelaySeconds)]);
  args.push(['retry_exponential_backoff', pyValue(task.retryExponentialBackoff)]);
  if (task.maxRetryDelaySeconds !== null)
    args.push(['max_retry_delay', timedelta(task.maxRetryDelaySeconds)]);
  if (task.executionTimeoutSeconds !== null)
    args.push(['execution_timeout', timedelta(task.executionTimeoutSeconds)]);
  if (task.skipOnExitCodes.length > 0)
    args.push(['skip_on_exit_code', pyValue(task.skipOnExitCodes)]);
  args.push(['pool', pyString(task.pool)]);
  args.push(['pool_slots', pyValue(task.poolSlots)]);
  if (task.outlets.length > 0)
    args.push(['outlets', `[${task.outlets.map((uri) => `Asset(${pyString(uri)})`).join(', ')}]`]);
  if (task.description !== null) args.push(['doc_md', pyString(task.description)]);
  return args;
}

/** A multi-line Python list of expressions, indented as an operator argument. */
export function list(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((item) => `            ${item},`).join('\n')}\n        ]`;
}

/** A multi-line Python dict from string keys to expressions, indented as an operator argument. */
export function dict(entries: readonly (readonly [string, string])[]): string {
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, value]) => `            ${pyString(key)}: ${value},`).join('\n')}\n        }`;
}

function secretTuple(secret: SecretBinding): string {
  const { source } = secret;
  return source.kind === 'variable'
    ? `("variable", ${pyString(source.key)}, None, None)`
    : `("connection", ${pyString(source.connId)}, ${pyString(source.field)}, ${source.extraKey === null ? 'None' : pyString(source.extraKey)})`;
}

export function timedelta(seconds: number): string {
  return `timedelta(seconds=${seconds})`;
}
