/**
 * Config schemas derived from flag declarations: a flag that is required or has a default must
 * arrive, others may be absent; types, bounds and formats come from the declaration.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flagConfigShape } from '../../../extractors/core/flag-config.js';

const flags = {
  name: { type: 'string', description: 'required', required: true },
  note: { type: 'string', description: 'optional' },
  url: { type: 'string', description: 'a URL', format: 'url' },
  day: { type: 'date', description: 'a date' },
  count: { type: 'integer', description: 'bounded', default: 3, minimum: 1, maximum: 5 },
  ratio: { type: 'number', description: 'any number' },
  dry: { type: 'boolean', description: 'a switch', default: false },
  ids: { type: 'list', description: 'a list' },
  level: { type: 'enum', description: 'a choice', values: ['a', 'b'] },
} as const;

describe('flagConfigShape', () => {
  const schema = z.object(flagConfigShape(flags));
  const complete = { name: 'x', count: 3, dry: false };

  it('accepts the required and defaulted flags alone, and every optional one', () => {
    expect(schema.parse(complete)).toEqual(complete);
    const all = {
      ...complete,
      note: 'n',
      url: 'https://example.test/',
      day: '2026-01-31',
      ratio: 2.5,
      ids: ['a'],
      level: 'b',
    };
    expect(schema.parse(all)).toEqual(all);
  });

  it('rejects what the declaration rules out, on the flag', () => {
    const paths = (value: Record<string, unknown>) =>
      schema.safeParse({ ...complete, ...value }).error?.issues.map((issue) => issue.path[0]);
    expect(paths({ name: '' })).toEqual(['name']);
    expect(paths({ count: undefined })).toEqual(['count']);
    expect(paths({ count: 0 })).toEqual(['count']);
    expect(paths({ count: 6 })).toEqual(['count']);
    expect(paths({ count: 2.5 })).toEqual(['count']);
    expect(paths({ url: 'not a url' })).toEqual(['url']);
    expect(paths({ dry: 'yes' })).toEqual(['dry']);
    expect(paths({ ids: 'a,b' })).toEqual(['ids']);
    expect(paths({ level: 'c' })).toEqual(['level']);
  });
});
