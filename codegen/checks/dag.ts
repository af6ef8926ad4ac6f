/**
 * DAG-level settings: the dag_id matches its file (E005) and is used once across specs (E006),
 * a start date exists (E004) and comes before the end date (E028), and failure notification
 * has a webhook connection to post to (E029).
 */
import path from 'node:path';
import { compareText, type Diagnostic, diagnostic } from '../diagnostics.js';
import { locate } from '../parse.js';
import { normalizeDateTime } from '../schema.js';
import type { CrossSpecInput } from './assets.js';
import type { SpecCheck } from './types.js';

export const checkDagId: SpecCheck = ({ parsed, spec, report }) => {
  const expected = path.basename(parsed.file).replace(/\.ya?ml$/, '');
  if (spec.dag_id !== expected) report(['dag_id'], 'E005', { dagId: spec.dag_id, expected });
};

export const checkDates: SpecCheck = ({ spec, context, report }) => {
  const start = spec.start_date ?? context.project.dag_defaults?.start_date;
  if (start === undefined) {
    report([], 'E004', {
      key: 'start_date',
      where: '(set it in the spec or in _project.yaml dag_defaults)',
    });
  } else if (
    spec.end_date !== undefined &&
    compareText(normalizeDateTime(start), normalizeDateTime(spec.end_date)) > 0
  ) {
    report(['end_date'], 'E028', { end: spec.end_date, start });
  }
};

export const checkNotification: SpecCheck = ({ spec, context, report }) => {
  if (spec.notify_on_failure === true && context.project.failure_webhook_connection === undefined) {
    report(['notify_on_failure'], 'E029', {
      setting: 'notify_on_failure: true',
      requirement: 'failure_webhook_connection in _project.yaml (or name one: {connection: <id>})',
    });
  }
};

/** E006 at every spec after the first (by path) that uses a dag_id. */
export function duplicateDagIds({ checked }: CrossSpecInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const firstFile = new Map<string, string>();
  for (const { parsed, spec } of checked) {
    const first = firstFile.get(spec.dag_id);
    if (first === undefined) firstFile.set(spec.dag_id, parsed.file);
    else {
      const at = { file: parsed.file, ...locate(parsed, ['dag_id']) };
      diagnostics.push(diagnostic('E006', at, { dagId: spec.dag_id, file: first }));
    }
  }
  return diagnostics;
}
