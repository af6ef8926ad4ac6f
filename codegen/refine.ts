/**
 * Refinements: checks of a single value that JSON Schema cannot express (cron, calendar dates,
 * time zones, Kubernetes quantities and names). Each issue carries its diagnostic code in
 * `params.code`, which schema-issues.ts reports; their templates read `{{path}}: {{problem}}`.
 */
import type { z } from 'zod';

/** Codes a refinement issue may carry (see diagnostics.ts for the catalogue). */
const REFINEMENT_CODES = ['E010', 'E012', 'E022', 'E037', 'E039', 'E040'] as const;
export type RefinementCode = (typeof REFINEMENT_CODES)[number];

export function isRefinementCode(code: unknown): code is RefinementCode {
  return REFINEMENT_CODES.some((known) => known === code);
}

/** `schema`, failing with diagnostic `code` where `problem` returns a message. */
export function refined<T extends z.ZodType>(
  schema: T,
  code: RefinementCode,
  problem: (value: z.output<T>) => string | null,
) {
  return schema.superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== null) ctx.addIssue({ code: 'custom', message, params: { code } });
  });
}
