/**
 * What `npm run dag -- test` prints about a failed task: the failing dbt model or test, or the
 * extractor stream, with the tool's own error message (not the tail of an SQL statement), what
 * to run first when a raw table is missing, and never a credential.
 */
import { readFileSync } from 'node:fs';
import { redact, registerSecret } from '../extractors/core/redact.js';
import { sources } from '../extractors/sources.js';

/** The values a task's output must never show: its secrets and ClickHouse credentials. */
export function registerTaskSecrets(env: Record<string, string>, secretNames: readonly string[]) {
  for (const name of [...secretNames, 'CLICKHOUSE_PASSWORD', 'PG_PASSWORD', 'PGPASSWORD']) {
    registerSecret(env[name]);
  }
  const user = env.CLICKHOUSE_USER ?? 'default';
  const password = env.CLICKHOUSE_PASSWORD;
  // HTTP basic auth as a server may echo it back (`authorization=Basic <base64>`).
  if (password) registerSecret(Buffer.from(`${user}:${password}`).toString('base64'));
}

interface RunResultsFile {
  results: { unique_id: string; status: string; failures: number | null; message: string | null }[];
}

/** `Code: 60. DB::Exception: Table raw.x does not exist. (UNKNOWN_TABLE) (version …)` → parts. */
function clickHouseError(message: string): { text: string; code: string | null } | null {
  const match = /DB::Exception: ([\s\S]*?)(?:\s\(([A-Z_]+)\))?\s\(version [^)]*\)/.exec(message);
  if (!match) return null;
  return { text: (match[1] ?? '').trim().replace(/\.$/, ''), code: match[2] ?? null };
}

/** The source whose extractor creates a raw table, for "run this first". */
function sourceOfTable(table: string): string | undefined {
  return sources.find((source) =>
    source.contract.tables.some((t) => t.table === table || t.table.split('.')[1] === table),
  )?.contract.source;
}

/** A hint when an error says a raw table or the raw database is missing. */
export function missingTableHint(text: string): string | null {
  const table = /Table (raw\.\w+) does not exist/.exec(text)?.[1];
  if (table) {
    const source = sourceOfTable(table);
    return source
      ? `${table} does not exist yet: load it first (npm run extract -- ${source}), or create the empty raw tables with npm run extract -- ${source} --init-only`
      : `${table} does not exist yet: run the extractor that loads it first`;
  }
  if (/Database raw does not exist/.test(text)) {
    return 'the raw database does not exist yet: run npm run extract -- postgres --init-only (or the oltp_to_clickhouse DAG) first';
  }
  return null;
}

/** One line per failing dbt node, from dbt's run_results.json. */
function dbtFailures(resultsFile: string): string[] | null {
  let parsed: RunResultsFile;
  try {
    parsed = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    return null;
  }
  const lines: string[] = [];
  for (const result of parsed.results) {
    if (['success', 'pass', 'skipped', 'warn'].includes(result.status)) continue;
    const [kind, , ...rest] = result.unique_id.split('.');
    const name = `${kind} ${rest.join('.').replace(/\.[0-9a-f]{10}$/, '')}`;
    if (result.status === 'fail') {
      lines.push(`${name}: ${result.failures ?? '?'} failing rows`);
      continue;
    }
    const message = result.message ?? result.status;
    const error = clickHouseError(message);
    lines.push(
      error
        ? `${name}: ${error.text}${error.code ? ` (${error.code})` : ''}`
        : `${name}: ${message.split('\n')[0]}`,
    );
    const hint = missingTableHint(message);
    if (hint) lines.push(`  → ${hint}`);
  }
  return lines.length > 0 ? lines : null;
}

/** One line per error the extractor logged (JSON lines on stderr), with its stream and account. */
function extractorFailures(output: string): string[] | null {
  const lines: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.level !== 'error') continue;
    const where = [
      entry.stream ? `stream ${entry.stream}` : null,
      entry.account ? `account ${entry.account}` : null,
    ].filter(Boolean);
    const message = String(entry.msg ?? '');
    lines.push(`${where.length > 0 ? `${where.join(', ')}: ` : ''}${message}`);
    const hint = missingTableHint(message);
    if (hint) lines.push(`  → ${hint}`);
  }
  return lines.length > 0 ? lines : null;
}

export interface FailedTask {
  output: string;
  /** dbt's run_results.json for a dbt task. */
  resultsFile?: string;
}

/** The lines to print under a failed task, redacted. */
export function describeFailure(task: FailedTask): string[] {
  const lines = (task.resultsFile ? dbtFailures(task.resultsFile) : null) ??
    extractorFailures(task.output) ?? [...task.output.trim().split('\n').slice(-30)];
  return lines.map((line) => redact(line, 1_000));
}
