/** Flag parsing of the CLI convention (cli/args.ts): every bad value names the flag and value. */
import { describe, expect, it } from 'vitest';
import {
  parseCommandLine,
  parseDateFlag,
  parseIntegerFlag,
  parseNumberFlag,
  parsePortFlag,
  wantsHelp,
} from '../../cli/args.js';
import { UsageError } from '../../cli/run.js';

describe('flags', () => {
  it('--help anywhere before `--` asks for help', () => {
    expect(wantsHelp(['codegen', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['run', '--', '--help'])).toBe(false);
    expect(wantsHelp(['run'])).toBe(false);
  });

  it('a bad flag is a usage error', () => {
    expect(() => parseCommandLine({ args: ['--nope'], options: {} })).toThrow(UsageError);
    expect(() => parseCommandLine({ args: ['--nope'], options: {} })).toThrow(/--nope/);
  });

  it('dates are calendar days: no rollover, no "Invalid time value"', () => {
    expect(parseDateFlag('--date', '2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2026-02-30', '2026-13-45', '2025-02-29', '2026-04-31', '2026-00-10']) {
      expect(() => parseDateFlag('--date', bad)).toThrow(UsageError);
      expect(() => parseDateFlag('--date', bad)).toThrow(
        `--date must be YYYY-MM-DD, got '${bad}' (no such day)`,
      );
    }
    expect(() => parseDateFlag('--date', '25/11/2026')).toThrow(
      "--date must be YYYY-MM-DD, got '25/11/2026'",
    );
  });

  it('numbers name the flag, the range and the value', () => {
    expect(parseIntegerFlag('--seed', '42')).toBe(42);
    expect(() => parseIntegerFlag('--count', '1.5', { min: 1 })).toThrow(
      "--count must be an integer ≥ 1, got '1.5'",
    );
    expect(() => parseIntegerFlag('--count', '', { min: 1, max: 9 })).toThrow(
      "--count must be an integer from 1 to 9, got ''",
    );
    expect(parseNumberFlag('--ctr', '0.04', { min: 0, max: 1 })).toBe(0.04);
    expect(() => parseNumberFlag('--interval', 'soon', { min: 0 })).toThrow(UsageError);
    expect(parsePortFlag('--port', '8123')).toBe(8123);
    for (const bad of ['0', '65536', 'eighty', '80.5']) {
      expect(() => parsePortFlag('--port', bad)).toThrow(/--port must be a TCP port number/);
    }
  });
});
