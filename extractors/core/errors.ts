import { redact } from './redact.js';

/**
 * Exit codes of `extract`. Airflow retries a task that exits 1; a 2 means the command line or
 * the configuration is wrong, which no retry fixes.
 */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** Base class: every error the runtime raises on purpose carries its exit code. */
export class ExtractorError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(redact(message), options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command line: unknown source, unknown flag, malformed value. Exit 2. */
export class UsageError extends ExtractorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_USAGE, options);
  }
}

/**
 * Bad configuration found while running: wrong credentials, a table or column the source does
 * not have. Retrying does not help, so exit 2.
 */
export class ConfigError extends ExtractorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_USAGE, options);
  }
}

/** A failure that may pass on retry: network, timeouts, a server error. Exit 1. */
export class RuntimeFailure extends ExtractorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_RUNTIME, options);
  }
}

export function exitCodeOf(error: unknown): number {
  return error instanceof ExtractorError ? error.exitCode : EXIT_RUNTIME;
}

/** The message of any thrown value, redacted so it is safe to log. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return redact(error.message || error.name);
  return redact(String(error));
}
