/**
 * Run-time values outside Airflow, for the local runner: the same window the generated DAG's
 * `_window` macro computes, and `Arg` rendering with concrete values.
 */
import { addDays, calendarDayIn } from '../extractors/core/dates.js';
import type { Arg, TemplateName } from './ir.js';

export interface RunInterval {
  /** The data interval; null for runs without one (then `runAfter` decides). */
  dataIntervalStart: Date | null;
  dataIntervalEnd: Date | null;
  runAfter: Date;
  /** The DAG's IANA time zone. */
  timezone: string;
}

/**
 * Whole days [since, until) in the DAG's time zone covering the data interval; without an interval,
 * the day before `runAfter` and its own day. Mirrors `_window` in every generated DAG file.
 */
export function windowFor(run: RunInterval): { since: string; until: string } {
  let start = run.dataIntervalStart;
  let end = run.dataIntervalEnd;
  if (start === null || end === null) {
    end = run.runAfter;
    start = new Date(end.getTime() - 86_400_000);
  }
  const since = calendarDayIn(start, run.timezone);
  let until = addDays(calendarDayIn(new Date(end.getTime() - 1), run.timezone), 1);
  if (until <= since) until = addDays(since, 1);
  return { since, until };
}

export interface RunValues {
  windowStart: string;
  windowEnd: string;
  runId: string;
}

const VALUE_OF: Readonly<Record<TemplateName, keyof RunValues>> = {
  window_start: 'windowStart',
  window_end: 'windowEnd',
  run_id: 'runId',
};

/** The concrete string of an Arg. Raw Jinja cannot be rendered outside Airflow and throws. */
export function renderArg(arg: Arg, values: RunValues): string {
  if (typeof arg === 'string') return arg;
  if ('template' in arg) return values[VALUE_OF[arg.template]];
  if ('jinja' in arg) throw new Error(`raw Airflow Jinja cannot run outside Airflow: ${arg.jinja}`);
  return arg.concat
    .map((part) => (typeof part === 'string' ? part : values[VALUE_OF[part.template]]))
    .join('');
}
