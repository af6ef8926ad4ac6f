/** The one CLI convention (cli/run.ts): exit codes, the one UsageError, error lines. */
import { describe, expect, it } from 'vitest';
import {
  CliError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  errorLine,
  exitCodeOf,
  UsageError,
} from '../../cli/run.js';
import * as extractorErrors from '../../extractors/core/errors.js';

describe('exit codes and errors', () => {
  it('0 ok, 1 runtime failure, 2 usage; the extractors use the same table and UsageError', () => {
    expect([EXIT_OK, EXIT_FAILURE, EXIT_USAGE]).toEqual([0, 1, 2]);
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(exitCodeOf('thrown string')).toBe(1);
    expect(extractorErrors.UsageError).toBe(UsageError);
    expect(extractorErrors.EXIT_USAGE).toBe(EXIT_USAGE);
    expect(extractorErrors.EXIT_RUNTIME).toBe(EXIT_FAILURE);
    const config = new extractorErrors.ConfigError('bad table');
    expect(config).toBeInstanceOf(CliError);
    expect(exitCodeOf(config)).toBe(2);
    expect(exitCodeOf(new extractorErrors.RuntimeFailure('later'))).toBe(1);
  });

  it('an error line names the command once and never the error class', () => {
    class ProjectError extends Error {
      override name = 'ProjectError';
    }
    expect(errorLine('dag', new ProjectError('specs do not compile'))).toBe(
      'dag: specs do not compile',
    );
    expect(errorLine('generate', new Error('generate: generate: connecting'))).toBe(
      'generate: connecting',
    );
    expect(errorLine('demo', 'plain')).toBe('demo: plain');
  });
});
