/**
 * Asset triggers across specs: a DAG scheduled on an asset that no spec produces only runs when
 * something outside the project updates it (W001). A spec that failed to compile still counts
 * as producing what it declares, so its error is not echoed as warnings about every DAG
 * downstream of it.
 */
import { type Diagnostic, diagnostic } from '../diagnostics.js';
import { fanOutItems } from '../expand.js';
import { isRecord, locate, type ParsedFile } from '../parse.js';
import { toArg } from '../placeholders.js';
import type { Spec, TaskSpec } from '../schema.js';

export interface CheckedSpec {
  parsed: ParsedFile;
  spec: Spec;
}

export interface CrossSpecInput {
  /** Specs that passed the schema (sorted by path). */
  checked: readonly CheckedSpec[];
  /**
   * Data of the specs that did not: `undefined` for one that could not be read at all (a YAML
   * error), so what it produces is unknown.
   */
  failed: readonly unknown[];
}

export function unproducedAssets({ checked, failed }: CrossSpecInput): Diagnostic[] {
  const maybeProduced = failed.map(declaredProduces);
  // A spec we could not read may produce anything: any W001 would be a guess.
  if (maybeProduced.includes(null)) return [];
  const patterns = maybeProduced.flat() as RegExp[];
  const produced = new Set(checked.flatMap(({ spec }) => spec.tasks.flatMap(producedUris)));
  const diagnostics: Diagnostic[] = [];
  for (const { parsed, spec } of checked) {
    const schedule = spec.schedule;
    if (typeof schedule !== 'object' || schedule === null) continue;
    schedule.assets.forEach((uri, index) => {
      if (produced.has(uri) || patterns.some((pattern) => pattern.test(uri))) return;
      const at = { file: parsed.file, ...locate(parsed, ['schedule', 'assets', index]) };
      diagnostics.push(diagnostic('W001', at, { uri }));
    });
  }
  return diagnostics;
}

/** Asset URIs a task produces, fan-out placeholders substituted. */
function producedUris(task: TaskSpec): string[] {
  return fanOutItems(task).flatMap((item) =>
    (task.produces ?? []).flatMap((uri) => {
      const arg = toArg(uri, item);
      // A run-time placeholder here is reported by checkPlaceholders; such a URI produces nothing.
      return typeof arg === 'string' ? [arg] : [];
    }),
  );
}

/**
 * What a spec that failed its checks declares it produces, read leniently from its data: each
 * `produces` URI as a pattern in which a placeholder matches anything. Null when the data is too
 * broken to tell.
 */
function declaredProduces(data: unknown): RegExp[] | null {
  if (!isRecord(data) || !Array.isArray(data.tasks)) return null;
  const patterns: RegExp[] = [];
  for (const task of data.tasks) {
    if (!isRecord(task) || task.produces === undefined) continue;
    if (!Array.isArray(task.produces)) return null;
    for (const uri of task.produces) {
      if (typeof uri !== 'string') return null;
      patterns.push(uriPattern(uri));
    }
  }
  return patterns;
}

function uriPattern(uri: string): RegExp {
  const parts = uri
    .split(/\$\$?\{[^}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}
