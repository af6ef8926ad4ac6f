import { afterEach, expect } from 'vitest';
import './network-guard.mjs';

declare global {
  var __networkGuardViolations: string[];
}

// A blocked connection fails the test even when the code under test swallowed the error.
afterEach(() => {
  const violations = globalThis.__networkGuardViolations.splice(0);
  expect(violations, 'non-loopback network access').toEqual([]);
});
