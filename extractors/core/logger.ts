import { redact } from './redact.js';

/**
 * JSON-lines logging on stderr: one object per line with `ts`, `level`, `msg` and the context
 * fields (source, stream, account, run_id, rows, duration_ms…). Every string goes through
 * `redact`, so a message that quotes a URL or an API error cannot leak a secret.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  fields?: LogFields;
  /** Where a finished line goes; stderr by default (tests capture it). */
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const minimum = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const make = (context: LogFields): Logger => {
    const log = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < minimum) return;
      const record: Record<string, unknown> = { ts: now().toISOString(), level, msg: redact(msg) };
      for (const [key, value] of Object.entries({ ...context, ...fields })) {
        if (value === undefined) continue;
        record[key] = typeof value === 'string' ? redact(value) : value;
      }
      write(`${JSON.stringify(record)}\n`);
    };
    return {
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      child: (fields) => make({ ...context, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/**
 * Human progress for long runs: at most one `progress` record per interval, with the running
 * row count and rate, e.g. `impressions: 1,200,000 rows, 410,000 rows/s`.
 */
export class Progress {
  private rows = 0;
  private readonly started: number;
  private lastReport: number;

  constructor(
    private readonly log: Logger,
    private readonly label: string,
    private readonly intervalMs = 5_000,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
    this.lastReport = this.started;
  }

  add(rows: number): void {
    this.rows += rows;
    const now = this.clock();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    const rate = rowsPerSecond(this.rows, now - this.started);
    this.log.info(`${this.label}: ${formatCount(this.rows)} rows, ${formatCount(rate)} rows/s`, {
      event: 'progress',
      rows: this.rows,
      rows_per_s: rate,
    });
  }

  get total(): number {
    return this.rows;
  }

  elapsedMs(): number {
    return Math.round(this.clock() - this.started);
  }
}

export function rowsPerSecond(rows: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((rows * 1000) / elapsedMs) : rows;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
