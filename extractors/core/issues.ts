/**
 * How a configuration problem found by zod is told to the user: where it is (a flag and the env
 * variable its value came from, or a key inside a file) and what is wrong, in plain words.
 *
 * Two rules keep these messages readable after redaction (every error message goes through
 * `redact`, which masks the word after `access_token:`, `password=` and the like):
 * - a key path inside a file is quoted in backticks, so a path ending in `access_token` is not
 *   followed directly by `:`; flags and env variables (`env PG_BATCH_SIZE for --batch-size: …`)
 *   are named so already (test/extractors/config-errors.test.ts checks every one);
 * - no message echoes the rejected value, only its kind: the value may be a pasted secret.
 */
import type { z } from 'zod';

/** `a string`, `an integer`, `a list`. */
function withArticle(kind: string): string {
  if (kind === 'array') return 'a list';
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** The kind of a rejected value, never the value itself. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return withArticle(typeof value);
}

/**
 * zod's default messages in plain words, for `safeParse(value, { error: plainIssueMessages })`.
 * Messages a schema states itself (`.min(1, 'must be at least 1')`) take precedence over it.
 */
export const plainIssueMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    const expected = withArticle(String(issue.expected));
    return issue.input === undefined
      ? `missing (expected ${expected})`
      : `expected ${expected}, got ${kindOf(issue.input)}`;
  }
  return undefined;
};

/** A key path inside a file, as `source.group.credentials.access_token` in backticks. */
export function keyPath(path: readonly PropertyKey[]): string {
  return `\`${path.map(String).join('.')}\``;
}
