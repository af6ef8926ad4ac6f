/**
 * A flag value in a spec against the flag's contract type (E017), by the same rules the
 * extractor CLI parses with (extractors/core/flag-rules.ts); only the wording is the compiler's.
 */
import type { FlagContract } from '../../extractors/core/contract.js';
import { specFlagValueProblem } from '../../extractors/core/flag-rules.js';
import { didYouMean } from '../diagnostics.js';
import { placeholdersIn } from '../placeholders.js';

/** What is wrong with a spec's value for a flag, or null. */
export function flagValueProblem(flag: FlagContract, value: unknown): string | null {
  // A placeholder is filled at run time (or per fan-out item): the extractor checks the result.
  if (typeof value === 'string' && placeholdersIn(value).length > 0) return null;
  const problem = specFlagValueProblem(flag, value);
  if (problem === null) return null;
  switch (problem.kind) {
    case 'type':
      return `expected ${problem.expected}, got ${JSON.stringify(value)}`;
    case 'enum':
      return `'${problem.text}' is not one of: ${problem.allowed.join(', ')}${didYouMean(problem.text, problem.allowed)}`;
    case 'empty-list':
      return 'the list is empty';
  }
}
