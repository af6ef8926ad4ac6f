/**
 * One JSON line per request, with nothing secret in it: passwords in URL-style text and
 * credential headers are redacted, and the SQL is cut to 200 characters.
 */

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/(password=)[^&\s'"]*/gi, '$1[redacted]'],
  [/(authorization:\s*)(basic|bearer)\s+\S+/gi, '$1$2 [redacted]'],
  [/(x-clickhouse-key:\s*)\S+/gi, '$1[redacted]'],
  [/(\/\/[^/:@\s]+:)[^@/\s]+@/g, '$1[redacted]@'],
];

/** `text` with credentials replaced by `[redacted]`. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly query_id?: string;
  readonly session_id?: string;
  readonly duration_ms: number;
  readonly code?: number;
  readonly sql?: string;
  readonly error?: string;
}

const MAX_SQL = 200;

export function formatRequestLog(entry: RequestLog): string {
  const sql =
    entry.sql === undefined
      ? undefined
      : redact(entry.sql.length > MAX_SQL ? `${entry.sql.slice(0, MAX_SQL)}…` : entry.sql);
  const error = entry.error === undefined ? undefined : redact(entry.error.slice(0, 500));
  return `${JSON.stringify({ ...entry, sql, error })}\n`;
}
