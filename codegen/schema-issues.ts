/**
 * zod issues → diagnostics located at the YAML node at fault, with stable codes: unknown keys
 * (with the allowed keys and the nearest one), missing keys, wrong types, and the refinement
 * codes carried in `params.code`.
 */
import type { z } from 'zod';
import { type Diagnostic, diagnostic, didYouMean } from './diagnostics.js';
import { type DataPath, hasPath, locate, type ParsedFile } from './parse.js';
import { isRefinementCode } from './refine.js';
import { DURATION_PATTERN } from './schema.js';

export type Issue = z.core.$ZodIssue;

export function schemaDiagnostics(
  parsed: ParsedFile,
  schema: z.ZodType,
  issues: readonly Issue[],
): Diagnostic[] {
  return issues.flatMap((issue) => issueDiagnostics(parsed, schema, issue, []));
}

function issueDiagnostics(
  parsed: ParsedFile,
  root: z.ZodType,
  issue: Issue,
  prefix: DataPath,
): Diagnostic[] {
  const at = [...prefix, ...(issue.path as (string | number)[])];
  const here = (where: DataPath = at, key = false) => ({
    file: parsed.file,
    ...locate(parsed, where, { key }),
  });
  const path = describePath(at);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, at);
      return issue.keys.map((key) =>
        diagnostic('E002', here([...at, key], true), {
          key,
          path,
          allowed: allowed.join(', '),
          hint: didYouMean(key, allowed),
        }),
      );
    }
    case 'invalid_type': {
      if (!hasPath(parsed, at) && at.length > 0) {
        const key = String(at[at.length - 1]);
        const parent = at.slice(0, -1);
        return [diagnostic('E004', here(parent), { key, where: `in ${describePath(parent)}` })];
      }
      const problem = `expected ${issue.expected}, got ${typeName(valueAt(parsed.data, at))}`;
      return [diagnostic('E003', here(), { path, problem })];
    }
    case 'invalid_union': {
      const branches = issue.errors;
      const rootTypeOnly = (branch: readonly Issue[]) =>
        branch.length > 0 &&
        branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
      if (branches.length === 0 || branches.every(rootTypeOnly)) {
        const expected = branches.flatMap((branch) =>
          branch.map((inner) => (inner.code === 'invalid_type' ? inner.expected : '')),
        );
        const problem = `expected ${[...new Set(expected)].join(' or ')}, got ${typeName(valueAt(parsed.data, at))}`;
        return [diagnostic('E003', here(), { path, problem })];
      }
      // A branch that got past the type check matched the value's shape, so its issues explain
      // the problem; the first such branch is reported.
      const best = branches.filter((branch) => !rootTypeOnly(branch))[0] ?? [];
      return best.flatMap((inner) => issueDiagnostics(parsed, root, inner, at));
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const value = String(valueAt(parsed.data, at));
      const problem = `'${value}' is not one of: ${allowed.join(', ')}${didYouMean(value, allowed)}`;
      return [diagnostic('E003', here(), { path, problem })];
    }
    case 'invalid_format': {
      const value = String(valueAt(parsed.data, at));
      if (issue.pattern === String(DURATION_PATTERN))
        return [diagnostic('E011', here(), { path, value, problem: issue.message })];
      return [
        diagnostic('E003', here(), { path, problem: `'${value}' is invalid: ${issue.message}` }),
      ];
    }
    case 'custom': {
      // Refinements in schema.ts carry their own code (cron, dates, time zones).
      const carried: unknown = issue.params?.code;
      const code = isRefinementCode(carried) ? carried : 'E003';
      return [diagnostic(code, here(), { path, problem: issue.message })];
    }
    case 'too_small':
    case 'too_big': {
      const problem = issue.message.replace(/^Too (small|big): /, '');
      return [diagnostic('E003', here(), { path, problem })];
    }
    default:
      return [diagnostic('E003', here(), { path, problem: issue.message })];
  }
}

/** `tasks[2].extract.flags` */
function describePath(at: DataPath): string {
  if (at.length === 0) return 'the top level';
  return at
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`,
    )
    .join('');
}

function valueAt(data: unknown, at: DataPath): unknown {
  let value = data;
  for (const segment of at) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Keys of the object schema at a data path, for "allowed: ..." hints. Walks zod's definition
 * objects: the public API has no path lookup.
 */
function allowedKeys(root: z.ZodType, at: DataPath): string[] {
  let candidates: ZodDef[] = [defOf(root)];
  for (const segment of at) {
    candidates = candidates.flatMap(unwrap).flatMap((def) => {
      if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment])
        return [defOf(def.shape[segment])];
      if (def.type === 'array' && typeof segment === 'number' && def.element)
        return [defOf(def.element)];
      if (def.type === 'record' && def.valueType) return [defOf(def.valueType)];
      return [];
    });
  }
  const keys = candidates
    .flatMap(unwrap)
    .flatMap((def) => (def.type === 'object' && def.shape ? Object.keys(def.shape) : []));
  return [...new Set(keys)];
}

interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): ZodDef {
  return schema._zod.def as unknown as ZodDef;
}

function unwrap(def: ZodDef): ZodDef[] {
  if (
    (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') &&
    def.innerType
  ) {
    return unwrap(defOf(def.innerType));
  }
  if (def.type === 'union' && def.options)
    return def.options.flatMap((option) => unwrap(defOf(option)));
  return [def];
}
