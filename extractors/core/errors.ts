import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../../cli/run.js';
import { redact } from './redact.js';

/**
 * Exit codes of `extract`, from the one table all commands share (cli/run.ts). Airflow retries a
 * task that exits 1; a 2 means the command line or the configuration is wrong, which no retry
 * fixes. `UsageError` (bad command line: unknown source, unknown flag, malformed value) and
 * `exitCodeOf` are the shared ones too.
 */
export { EXIT_OK, EXIT_USAGE, exitCodeOf, UsageError } from '../../cli/run.js';
export const EXIT_RUNTIME = EXIT_FAILURE;

/** Base class: every error the extractor runtime raises on purpose; its message is redacted. */
export class ExtractorError extends CliError {
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(redact(message), exitCode, options);
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

/** The message of any thrown value, redacted so it is safe to log. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return redact(error.message || error.name);
  return redact(String(error));
}
