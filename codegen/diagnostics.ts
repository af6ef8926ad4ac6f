/**
 * Diagnostics: every problem found in specs, the project file or extractor contracts, located at
 * a file, line and column (1-based) and carrying a stable code. The compiler collects them all
 * before failing; `formatDiagnostic` prints `path:line:col: CODE message`.
 *
 * Codes (stable; tests and users may rely on them):
 *   E001 YAML syntax error
 *   E002 unknown key (lists the allowed keys, suggests the nearest)
 *   E003 wrong type or invalid value
 *   E004 missing required key
 *   E005 dag_id does not match the file name
 *   E006 dag_id used by more than one spec
 *   E007 duplicate task id (also after fan-out)
 *   E008 `after:` names a missing task
 *   E009 dependency cycle (the cycle is printed)
 *   E010 invalid cron expression or preset
 *   E011 invalid duration
 *   E012 invalid date or date-time
 *   E013 unknown extractor source
 *   E014 unknown flag for the extractor
 *   E015 a secret the extractor requires is not given, including each credential the task's
 *        account group names (`--accounts-file` / `--group`)
 *   E016 secret not declared in _project.yaml `secrets`
 *   E017 flag value does not fit the contract's type
 *   E018 a task needs exactly one of extract, dbt, container
 *   E019 fan-out problem: item listed twice, item without the key a placeholder uses, a
 *        placeholder where it cannot be used
 *   E020 flag set by the run (since/until of a windowed source, run-id)
 *   E021 required flag missing
 *   E022 unknown time zone
 *   E023 pool not declared in _project.yaml `pools`
 *   E024 extractor contract cannot be read statically
 *   E025 unknown placeholder
 *   E026 option not valid for this dbt command
 *   E027 project file missing or not usable
 *   E028 end_date before start_date
 *   E029 project settings problem: notify_on_failure: true without failure_webhook_connection,
 *        extra_key without field: extra
 *   E030 an extract task passes a secret that another account group of its accounts file names
 *        (facebook_ads_d2 passing d1's token)
 *   E031 accounts file problem: the file (`--accounts-file`) is missing or not YAML, has no
 *        section for the source, no such group (`--group`), or the group names no variable for
 *        a credential the source needs
 *   E032 YAML aliases expand beyond the limit (an alias bomb, "billion laughs")
 *   E033 task id longer than Airflow's 250 characters (a fan-out copy is <task id>__<item id>)
 *   E034 task id contains '..', which Airflow rejects
 *   E035 file is not UTF-8 (located at the first invalid byte)
 *   W001 asset trigger that no spec produces
 *   W002 extract task produces an asset its source does not write
 *   W003 secret given that the extractor does not declare
 *   W004 max_retry_delay without retry_exponential_backoff
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Path of the file as given to the compiler (relative to the working directory in the CLI). */
  file: string;
  line: number;
  col: number;
  code: string;
  message: string;
}

export function severityOf(diagnostic: Diagnostic): Severity {
  return diagnostic.code.startsWith('W') ? 'warning' : 'error';
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
