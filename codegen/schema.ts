/**
 * The DAG spec and project file formats. This zod schema is the single source of truth: the
 * validator checks specs with it, and `dag-specs/*.schema.json` (editor completion) is generated
 * from it. Checks that need the whole project (task references, contracts, cycles) live in
 * validate.ts; checks of a single value that JSON Schema cannot express (cron, calendar dates,
 * time zones) are refinements (refine.ts) that carry their diagnostic code in `params.code`. The
 * Kubernetes task target's settings are declared in k8s-schema.ts.
 */
import { z } from 'zod';
import { cronProblem } from './cron.js';
import { kubernetesSchema, targetSchema } from './k8s-schema.js';
import { refined } from './refine.js';

const IDENTIFIER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `30s`, `5m`, `2h`, `1d`, or combinations in that order such as `1h30m`. */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const ASSET_URI_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/[^\s/]+(?:\/[^\s]*)?$/;
const IMAGE_PATTERN = /^[a-z0-9][a-z0-9._\-/:@]*$/;
const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

const identifier = (what: string) =>
  z
    .string()
    .max(200)
    .regex(IDENTIFIER_PATTERN, {
      error: `${what} may hold only letters, digits, '_', '.' and '-', and must not start with '.' or '-'`,
    });

const envName = z.string().regex(ENV_NAME_PATTERN, {
  error: 'environment variable names are letters, digits and _, not starting with a digit',
});

const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: "durations look like '30s', '5m', '2h', '1d' or '1h30m'" })
  .meta({ description: "A duration: '30s', '5m', '2h', '1d' or combinations such as '1h30m'." });

const dateTime = refined(z.string(), 'E012', dateTimeProblem).meta({
  description: "A date 'YYYY-MM-DD' or date-time 'YYYY-MM-DDTHH:MM[:SS]' in the DAG's time zone.",
  pattern: DATE_TIME_PATTERN.source,
});

const timeZone = refined(z.string(), 'E022', (value) =>
  isTimeZone(value)
    ? null
    : `unknown time zone '${value}' (use an IANA name such as 'UTC' or 'Europe/Berlin')`,
).meta({ description: "IANA time zone, e.g. 'UTC' or 'Europe/Berlin'." });

const assetUri = z
  .string()
  .regex(ASSET_URI_PATTERN, {
    error: "asset URIs look like 'clickhouse://raw/postgres_impressions'",
  })
  .refine((value) => !value.startsWith('airflow://'), {
    error: "the 'airflow://' scheme is reserved by Airflow",
  })
  .meta({
    description:
      "An asset (Airflow 3) / dataset (Airflow 2) URI, e.g. 'clickhouse://raw/postgres_impressions'.",
  });

const image = z
  .string()
  .regex(IMAGE_PATTERN, { error: "image references look like 'registry/name:tag'" })
  .meta({ description: 'A container image reference, e.g. adtech-pipeline/extractors:0.1.0.' });

const poolName = identifier('a pool name').meta({
  description: "An Airflow pool declared in _project.yaml's `pools` (or 'default_pool').",
});

const cron = refined(z.string(), 'E010', cronProblem).meta({
  description:
    "A 5-field cron expression ('0 3 * * *') or a preset: @once, @hourly, @daily, @weekly, @monthly, @quarterly, @yearly.",
});

/** Settings every task has; given in _project.yaml `task_defaults`, a spec's `defaults`, or on a task. */
const taskSettingsShape = {
  retries: z.int().min(0).max(100).optional().meta({ description: 'Retries after the first try.' }),
  retry_delay: duration.optional().meta({ description: 'Wait before a retry.' }),
  retry_exponential_backoff: z
    .boolean()
    .optional()
    .meta({ description: 'Double the wait after each retry, up to max_retry_delay.' }),
  max_retry_delay: duration.optional().meta({ description: 'Cap of the exponential backoff.' }),
  execution_timeout: z
    .union([duration, z.null()])
    .optional()
    .meta({ description: 'Fail a try that runs longer; null for no limit.' }),
  skip_on_exit_code: z.array(z.int().min(1).max(255)).optional().meta({
    description:
      "Container exit codes that mark the task skipped instead of failed (DockerOperator's skip_on_exit_code); none by default.",
  }),
  pool: poolName.optional(),
  pool_slots: z
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'Slots one try takes in its pool.' }),
};
const taskSettingsSchema = z.strictObject(taskSettingsShape);

const flagValue = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.string())])
  .meta({ description: 'A flag value; a list becomes a comma-separated value.' });

const extractSchema = z
  .strictObject({
    source: z
      .string()
      .meta({ description: 'The extractor sub-command (a folder under extractors/).' }),
    flags: z
      .record(z.string(), flagValue)
      .optional()
      .meta({ description: "Flags of the source's contract, without the leading dashes." }),
    secrets: z.array(envName).optional().meta({
      description:
        'Secret environment variables the extractor gets, by name (see _project.yaml secrets).',
    }),
  })
  .meta({ description: 'Run `extract <source> [flags]` in the extractor image.' });

const DBT_COMMANDS = [
  'build',
  'run',
  'test',
  'seed',
  'snapshot',
  'compile',
  'source freshness',
] as const;

const dbtSchema = z
  .strictObject({
    command: z.enum(DBT_COMMANDS),
    select: z.array(z.string()).optional().meta({ description: 'dbt --select arguments.' }),
    exclude: z.array(z.string()).optional().meta({ description: 'dbt --exclude arguments.' }),
    selector: z.string().optional().meta({ description: 'A YAML selector name (--selector).' }),
    full_refresh: z
      .boolean()
      .optional()
      .meta({ description: 'Pass --full-refresh (build, run, seed).' }),
    vars: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Passed as --vars (JSON).' }),
    target: z.string().optional().meta({ description: 'A profiles.yml target (--target).' }),
  })
  .meta({ description: 'Run a dbt command in the dbt image.' });

const containerSchema = z
  .strictObject({
    image: image
      .optional()
      .meta({ description: 'The image; defaults to the project extractor image.' }),
    entrypoint: z.array(z.string()).min(1).optional().meta({
      description: "Overrides the image's ENTRYPOINT, e.g. [generate] in the extractor image.",
    }),
    command: z.array(z.string()).optional().meta({
      description: `Arguments. Items may use \${since}, \${until}, \${run_id}; items containing {{ }} pass to Airflow as Jinja.`,
    }),
    environment: z.record(envName, z.string()).optional().meta({
      description:
        'Extra environment (not secret). Values containing {{ }} pass to Airflow as Jinja.',
    }),
    secrets: z
      .array(envName)
      .optional()
      .meta({ description: 'Secret environment variables, by name.' }),
  })
  .meta({ description: 'Run a command in a container image.' });

const forEachItem = z
  .union([
    z.string().regex(/^[A-Za-z0-9_]+$/, {
      error: 'fan-out items are letters, digits and _ (they become part of task ids)',
    }),
    z
      .object({
        id: z
          .string()
          .regex(/^[A-Za-z0-9_]+$/, { error: 'fan-out item ids are letters, digits and _' }),
      })
      .catchall(z.string()),
  ])
  .meta({
    description: `An item: a plain id (\${item}), or a map with 'id' and string values (\${item.<key>}).`,
  });

const taskSchema = z
  .strictObject({
    id: identifier('a task id'),
    description: z.string().optional().meta({ description: 'Shown as the task documentation.' }),
    after: z.array(z.string()).optional().meta({
      description: 'Tasks that must finish first (a fanned-out task id means all its copies).',
    }),
    produces: z.array(assetUri).optional().meta({
      description: 'Assets this task updates; DAGs scheduled on them run after it succeeds.',
    }),
    for_each: z.array(forEachItem).min(1).optional().meta({
      description: 'Fan-out: one copy of the task per item, with task id <id>__<item id>.',
    }),
    extract: extractSchema.optional(),
    dbt: dbtSchema.optional(),
    container: containerSchema.optional(),
    ...taskSettingsShape,
  })
  .meta({ description: 'One task: exactly one of extract, dbt or container.' });

/**
 * `when` of an asset schedule when the spec leaves it out: `any`. An asset schedule says "this DAG
 * consumes these assets"; running after each update keeps its output fresh and never waits
 * forever for an asset one deployment does not produce (ads_daily_performance with only one ad
 * platform). `all` is the deliberate choice for a DAG that needs a consistent set.
 */
export const DEFAULT_ASSET_CONDITION = 'any';

const assetSchedule = z
  .strictObject({
    assets: z.array(assetUri).min(1).meta({ description: 'Asset URIs (tasks `produces` them).' }),
    when: z
      .enum(['any', 'all'])
      .optional()
      .meta({
        default: DEFAULT_ASSET_CONDITION,
        description: `any: run each time one of the assets is updated (Airflow \`a | b\`); all: run once every asset has been updated since the last run (Airflow \`a & b\`). Default: ${DEFAULT_ASSET_CONDITION}.`,
      }),
  })
  .meta({ description: 'Run when assets are updated by a task of any DAG.' });

export const specSchema = z
  .strictObject({
    dag_id: identifier('a dag_id').meta({ description: 'Must equal the file name without .yaml.' }),
    description: z.string().optional(),
    doc_md: z
      .string()
      .optional()
      .meta({ description: 'Markdown documentation shown in the Airflow UI.' }),
    owner: z.string().optional(),
    tags: z.array(z.string()).optional(),
    schedule: z.union([cron, assetSchedule, z.null()]).optional().meta({
      description:
        'A cron expression or preset, {assets: [...], when: any|all} to run when those assets update, or null / absent for manual runs.',
    }),
    timezone: timeZone.optional(),
    target: targetSchema
      .optional()
      .meta({ description: "Overrides _project.yaml's `target` for this DAG's tasks." }),
    start_date: dateTime.optional(),
    end_date: dateTime.optional(),
    catchup: z.boolean().optional(),
    max_active_runs: z.int().min(1).optional(),
    max_active_tasks: z.int().min(1).optional(),
    dagrun_timeout: duration.optional(),
    notify_on_failure: z
      .union([z.boolean(), z.strictObject({ connection: identifier('a connection id') })])
      .optional()
      .meta({
        description:
          "true posts to the project's failure webhook connection; {connection: id} names another.",
      }),
    defaults: taskSettingsSchema.optional().meta({ description: 'Task defaults for this DAG.' }),
    tasks: z.array(taskSchema).min(1),
  })
  .meta({
    title: 'adtech-pipeline DAG spec',
    description: 'One Airflow DAG, compiled by `npm run gen-dags`.',
  });

const CONNECTION_FIELDS = ['password', 'login', 'host', 'schema', 'port', 'uri', 'extra'] as const;

const secretSource = z
  .union([
    z.strictObject({ variable: identifier('a Variable key') }),
    z.strictObject({
      connection: identifier('a connection id'),
      field: z
        .enum(CONNECTION_FIELDS)
        .optional()
        .meta({ description: "The connection field; default 'password'." }),
      extra_key: z
        .string()
        .optional()
        .meta({ description: "With field 'extra': one key of the extra JSON." }),
    }),
  ])
  .meta({
    description: 'Where Airflow reads the secret at run time: a Variable, or a Connection field.',
  });

export const projectSchema = z
  .strictObject({
    images: z.strictObject({ extractor: image, dbt: image }),
    target: targetSchema.optional(),
    docker: z.strictObject({
      url: z.string().meta({ description: "docker_url, e.g. 'unix://var/run/docker.sock'." }),
      network: z.string().meta({ description: 'network_mode of every task container.' }),
    }),
    environment: z
      .record(envName, z.string())
      .optional()
      .meta({ description: 'Environment every task container gets (no secrets here).' }),
    shared_secrets: z
      .array(envName)
      .optional()
      .meta({ description: 'Secrets every task container gets (e.g. CLICKHOUSE_PASSWORD).' }),
    secrets: z
      .record(envName, secretSource)
      .meta({ description: 'Every secret env name a spec may use.' }),
    dbt: z
      .strictObject({
        entrypoint: z.array(z.string()).min(1).optional(),
        environment: z.record(envName, z.string()).optional(),
        secrets: z.array(envName).optional(),
      })
      .optional(),
    pools: z
      .record(
        identifier('a pool name'),
        z.strictObject({ slots: z.int().min(1), description: z.string().optional() }),
      )
      .optional()
      .meta({ description: 'Pools tasks may use; created at stack start.' }),
    failure_webhook_connection: identifier('a connection id').optional().meta({
      description: 'HTTP connection (host + password = webhook path) for notify_on_failure: true.',
    }),
    dag_defaults: z
      .strictObject({
        owner: z.string().optional(),
        timezone: timeZone.optional(),
        start_date: dateTime.optional(),
        catchup: z.boolean().optional(),
        max_active_runs: z.int().min(1).optional(),
        max_active_tasks: z.int().min(1).optional(),
        tags: z.array(z.string()).optional(),
      })
      .optional(),
    task_defaults: taskSettingsSchema.optional(),
    kubernetes: kubernetesSchema.optional(),
  })
  .meta({ title: 'adtech-pipeline DAG project settings', description: 'dag-specs/_project.yaml' });

export type Spec = z.output<typeof specSchema>;
export type TaskSpec = z.output<typeof taskSchema>;
export type TaskSettings = z.output<typeof taskSettingsSchema>;
export type ProjectSpec = z.output<typeof projectSchema>;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function parseDateTime(value: string): DateTimeParts | null {
  const match = DATE_TIME_PATTERN.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((part) => Number(part ?? '0')) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute, second };
}

/** `YYYY-MM-DDTHH:MM:SS` of a date or date-time that passed the schema: one form to compare and emit. */
export function normalizeDateTime(value: string): string {
  const parts = parseDateTime(value);
  if (parts === null) throw new Error(`invalid date-time passed validation: ${value}`);
  const pad = (number: number, width = 2) => String(number).padStart(width, '0');
  return `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}`;
}

function dateTimeProblem(value: string): string | null {
  if (!DATE_TIME_PATTERN.test(value))
    return `'${value}' is not a date 'YYYY-MM-DD' or date-time 'YYYY-MM-DDTHH:MM[:SS]'`;
  return parseDateTime(value) === null ? `'${value}' is not a real calendar date and time` : null;
}

/** Seconds in a duration string that matched DURATION_PATTERN. */
export function durationSeconds(value: string): number {
  const match = DURATION_PATTERN.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
  ];
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}
