/**
 * Diagnostics: every problem found in specs, the project file or extractor contracts, located at
 * a file, line and column (1-based) and carrying a stable code. The compiler collects them all
 * before failing; `formatDiagnostic` prints `path:line:col: CODE message`.
 *
 * `DIAGNOSTICS` is the catalogue: each code has one severity and one message template whose
 * `{{name}}` slots are the typed parameters `diagnostic()` takes, so a code cannot carry two
 * messages and a slot cannot be forgotten. Codes are stable (tests and users rely on them); the
 * table in dag-specs/README.md is generated from `summary` (`npm run gen-docs`).
 */

export type Severity = 'error' | 'warning';

interface DiagnosticDefinition {
  readonly severity: Severity;
  /** One line for the docs' table of codes (Markdown). */
  readonly summary: string;
  /** The message, with `{{name}}` slots for the parameters. */
  readonly message: string;
}

const error = 'error';
const warning = 'warning';

export const DIAGNOSTICS = {
  E001: { severity: error, summary: 'YAML syntax error', message: 'YAML syntax: {{problem}}' },
  E002: {
    severity: error,
    summary: 'unknown key (lists the allowed keys, suggests the nearest)',
    message: "unknown key '{{key}}' in {{path}}; allowed: {{allowed}}{{hint}}",
  },
  E003: {
    severity: error,
    summary: 'wrong type or invalid value',
    message: '{{path}}: {{problem}}',
  },
  E004: {
    severity: error,
    summary: 'missing required key',
    message: "missing required key '{{key}}' {{where}}",
  },
  E005: {
    severity: error,
    summary: '`dag_id` does not match the file name',
    message: "dag_id '{{dagId}}' must equal the file name '{{expected}}'",
  },
  E006: {
    severity: error,
    summary: '`dag_id` used by more than one spec',
    message: "dag_id '{{dagId}}' is already used by {{file}}",
  },
  E007: {
    severity: error,
    summary: 'duplicate task id (also after fan-out)',
    message: "duplicate task id '{{taskId}}' (first defined at line {{line}})",
  },
  E008: {
    severity: error,
    summary: '`after:` names a missing task',
    message: "after: no task '{{name}}' in this DAG{{hint}}",
  },
  E009: { severity: error, summary: 'dependency cycle', message: 'dependency cycle: {{cycle}}' },
  E010: {
    severity: error,
    summary: 'invalid cron expression or preset',
    message: '{{path}}: {{problem}}',
  },
  E011: {
    severity: error,
    summary: 'invalid duration',
    message: "{{path}}: '{{value}}' is invalid: {{problem}}",
  },
  E012: { severity: error, summary: 'invalid date or date-time', message: '{{path}}: {{problem}}' },
  E013: {
    severity: error,
    summary: 'unknown extractor source',
    message: "unknown extractor source '{{source}}' (known: {{known}}){{hint}}",
  },
  E014: {
    severity: error,
    summary: 'unknown flag for the extractor',
    message: "source '{{source}}' has no flag '{{flag}}' (flags: {{known}}){{hint}}",
  },
  E015: {
    severity: error,
    summary:
      "a secret the run needs is not in `extract.secrets`: one the contract requires (`PG_URL` for postgres, unless `PGHOST` is given) or a credential the task's account group names in the accounts file",
    message:
      "{{copy}}source '{{source}}' {{needs}} secret {{env}} ({{why}}); add it to extract.secrets{{alternative}}",
  },
  E016: {
    severity: error,
    summary: 'secret a task passes not declared in `_project.yaml` `secrets`',
    message: 'secret {{env}} is not declared in _project.yaml `secrets`{{hint}}',
  },
  E017: {
    severity: error,
    summary: "flag value does not fit the contract's type",
    message: "flag '{{flag}}': {{problem}}",
  },
  E018: {
    severity: error,
    summary: 'a task needs exactly one of extract, dbt, container',
    message: "task '{{taskId}}' {{problem}}",
  },
  E019: {
    severity: error,
    summary:
      'fan-out problem (item listed twice, missing item key, placeholder where it cannot be used)',
    message: '{{problem}}',
  },
  E020: {
    severity: error,
    summary: 'flag set by the run (`since`/`until` of a windowed source, `run-id`)',
    message: "flag '{{flag}}' is set by the run ({{setter}}); remove it",
  },
  E021: {
    severity: error,
    summary: 'required flag missing',
    message: "source '{{source}}' requires flag '{{flag}}' ({{description}})",
  },
  E022: { severity: error, summary: 'unknown time zone', message: '{{path}}: {{problem}}' },
  E023: {
    severity: error,
    summary: 'pool not declared in `_project.yaml` `pools`',
    message:
      "pool '{{pool}}' is not declared in _project.yaml `pools` (declared: {{declared}}){{hint}}",
  },
  E024: {
    severity: error,
    summary: 'extractor contract cannot be read statically',
    message: '{{problem}}',
  },
  E025: { severity: error, summary: 'unknown placeholder', message: '{{problem}}' },
  E026: {
    severity: error,
    summary: 'option not valid for this dbt command',
    message: '{{problem}}',
  },
  E027: {
    severity: error,
    summary: 'project file missing or not usable',
    message: 'project file {{problem}}',
  },
  E028: {
    severity: error,
    summary: '`end_date` before `start_date`',
    message: 'end_date {{end}} is before start_date {{start}}',
  },
  E029: {
    severity: error,
    summary:
      'project settings problem (`notify_on_failure` without a webhook connection, `extra_key` without `field: extra`)',
    message: '{{setting}} needs {{requirement}}',
  },
  E030: {
    severity: error,
    summary:
      "an extract task passes a secret that belongs to another account group (`facebook_ads_d2` passing d1's token)",
    message:
      '{{copy}}secret {{env}} belongs to account group {{owners}} in {{file}}, not to {{group}} (which names {{names}})',
  },
  E031: {
    severity: error,
    summary:
      'accounts file problem: file missing or not YAML, no section for the source, no such `--group`, or the group names no variable for a credential',
    message: '{{subject}} {{problem}}',
  },
  E032: {
    severity: error,
    summary: 'YAML aliases expand beyond the limit (an alias bomb, "billion laughs")',
    message:
      'YAML aliases expand beyond the limit of {{limit}} (an alias bomb, "billion laughs"); write the values out',
  },
  E033: {
    severity: error,
    summary:
      "task id longer than Airflow's 250 characters (a fan-out copy is `<task id>__<item id>`)",
    message:
      "task id '{{taskId}}' is {{length}} characters; Airflow allows at most {{max}}{{note}}",
  },
  E034: {
    severity: error,
    summary: 'task id contains `..`, which Airflow rejects',
    message: "task id '{{taskId}}' contains '..', which Airflow rejects",
  },
  E035: {
    severity: error,
    summary: 'file is not UTF-8 (located at the first invalid byte)',
    message:
      'file is not UTF-8: invalid byte 0x{{byte}} at byte offset {{offset}}; save it as UTF-8',
  },
  E036: {
    severity: error,
    summary:
      'secret `_project.yaml` names (`shared_secrets`, `dbt.secrets`, `kubernetes.secrets`) not declared in its `secrets`',
    message: 'secret {{env}} is not declared in `secrets`{{hint}}',
  },
  E037: {
    severity: error,
    summary: 'invalid Kubernetes resource quantity (`kubernetes.resources`)',
    message: '{{path}}: {{problem}}',
  },
  E038: {
    severity: error,
    summary: 'Kubernetes resource request above its limit',
    message:
      '{{path}}: the request {{request}} is more than the limit {{limit}}; Kubernetes rejects such a pod',
  },
  E039: {
    severity: error,
    summary:
      'invalid Kubernetes name: namespace, service account, Secret, label key or value (DNS-1123 rules)',
    message: '{{path}}: {{problem}}',
  },
  E040: { severity: error, summary: 'unknown task `target`', message: '{{path}}: {{problem}}' },
  E041: {
    severity: error,
    summary: '`target: kubernetes` without a `kubernetes:` section in `_project.yaml`',
    message:
      'target kubernetes needs a `kubernetes:` section in _project.yaml (namespace, resources, secrets)',
  },
  W001: {
    severity: warning,
    summary: 'asset trigger that no spec produces',
    message: 'no spec produces asset {{uri}}; this DAG runs only when something else updates it',
  },
  W002: {
    severity: warning,
    summary: 'extract task produces an asset its source does not write',
    message: "source '{{source}}' does not write {{uri}} (writes: {{written}})",
  },
  W003: {
    severity: warning,
    summary: 'secret given that the extractor does not declare',
    message: "source '{{source}}' does not declare secret {{env}} (declares: {{declared}})",
  },
  W004: {
    severity: warning,
    summary: '`max_retry_delay` without `retry_exponential_backoff`',
    message: 'max_retry_delay has no effect without retry_exponential_backoff: true',
  },
} as const satisfies Record<string, DiagnosticDefinition>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

/** The `{{name}}` slots of a template, as a union of names. */
type SlotsOf<Template extends string> = Template extends `${string}{{${infer Name}}}${infer Rest}`
  ? Name | SlotsOf<Rest>
  : never;

/** The parameters a code's message takes. */
export type DiagnosticParams<Code extends DiagnosticCode> = {
  readonly [Name in SlotsOf<(typeof DIAGNOSTICS)[Code]['message']>]: string | number;
};

export interface Location {
  /** Path of the file as given to the compiler (relative to the working directory in the CLI). */
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Location {
  code: DiagnosticCode;
  message: string;
}

/** Fills a template's `{{name}}` slots. */
export function renderMessage(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!Object.hasOwn(params, name)) throw new Error(`diagnostic parameter ${name} missing`);
    return String(params[name]);
  });
}

/** The one way a diagnostic is made: its code's template filled with the parameters. */
export function diagnostic<Code extends DiagnosticCode>(
  code: Code,
  at: Location,
  params: DiagnosticParams<Code>,
): Diagnostic {
  const message = renderMessage(DIAGNOSTICS[code].message, params);
  return { file: at.file, line: at.line, col: at.col, code, message };
}

export function severityOf(diagnostic: Diagnostic): Severity {
  return DIAGNOSTICS[diagnostic.code].severity;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => severityOf(diagnostic) === 'error');
}

export function formatDiagnostic(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.col}: ${diagnostic.code} ${diagnostic.message}`;
}

/** By file, position, then code; duplicates (same place, code and message) removed. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diagnostics]
    .sort(
      (a, b) =>
        compareText(a.file, b.file) ||
        a.line - b.line ||
        a.col - b.col ||
        compareText(a.code, b.code) ||
        compareText(a.message, b.message),
    )
    .filter((diagnostic) => {
      const key = formatDiagnostic(diagnostic);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Locale-independent ordering, so output is the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The closest candidate by edit distance, when close enough to be a plausible typo. */
function nearest(word: string, candidates: readonly string[]): string | null {
  // A truncated name (lookback for lookback-days) is the likeliest slip.
  const extended = candidates.filter(
    (candidate) => word.length >= 3 && candidate.toLowerCase().startsWith(word.toLowerCase()),
  );
  if (extended.length === 1) return extended[0] ?? null;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const suggestion = nearest(word, candidates);
  return suggestion === null ? '' : `; did you mean '${suggestion}'?`;
}
