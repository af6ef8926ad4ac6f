/**
 * Cron checks at compile time, so a typo fails `gen-dags` with a located diagnostic instead of
 * breaking the DAG file at import time in Airflow (croniter raises there). Five fields, the
 * syntax croniter and Airflow accept: `*`, numbers, ranges `a-b`, steps `/n`, lists, and month /
 * weekday names.
 */

/** Presets Airflow knows, mapped to cron so every schedule gets an explicit data-interval timetable. */
const CRON_PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 7 is Sunday as well as 0.
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Null when `expression` is a valid 5-field cron or a known preset, else what is wrong. */
export function cronProblem(expression: string): string | null {
  if (expression.startsWith('@')) {
    if (expression === '@once' || expression in CRON_PRESETS) return null;
    return `unknown schedule preset '${expression}' (known: @once, ${Object.keys(CRON_PRESETS).join(', ')})`;
  }
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return `cron expression '${expression}' has ${parts.length} field(s); expected 5 (minute hour day-of-month month day-of-week)`;
  }
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[index] ?? '', field);
    if (problem !== null) return `cron expression '${expression}': ${problem}`;
  }
  return null;
}

function fieldProblem(text: string, field: Field): string | null {
  for (const item of text.split(',')) {
    const [range, step, ...rest] = item.split('/');
    if (rest.length > 0 || range === undefined || range === '')
      return `${field.name} field '${text}' is malformed`;
    if (step !== undefined && !/^\d+$/.test(step))
      return `${field.name} step '${step}' is not a number`;
    if (step !== undefined && Number(step) === 0) return `${field.name} step must not be 0`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${field.name} range '${range}' is malformed`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = fieldValue(bound, field);
      if (value === null)
        return `${field.name} value '${bound}' is not a number${field.names ? ' or name' : ''}`;
      if (value < field.min || value > field.max) {
        return `${field.name} value ${value} is out of range ${field.min}-${field.max}`;
      }
      values.push(value);
    }
    if (values.length === 2 && (values[0] ?? 0) > (values[1] ?? 0)) {
      return `${field.name} range '${range}' runs backwards`;
    }
  }
  return null;
}

function fieldValue(text: string, field: Field): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? index + field.min : null;
}

/** The cron expression of a schedule string (presets resolved), or null for @once. */
export function cronOf(schedule: string): string | null {
  if (schedule === '@once') return null;
  return CRON_PRESETS[schedule] ?? schedule.trim().split(/\s+/).join(' ');
}
