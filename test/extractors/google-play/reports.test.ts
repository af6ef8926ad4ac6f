/** The pure pieces of google-play: decoding, CSV typing, months of a run. */
import { describe, expect, it } from 'vitest';
import { integrityProblem } from '../../../extractors/google-play/client.js';
import {
  decodeReport,
  kinds,
  parseReport,
  snakeCase,
} from '../../../extractors/google-play/reports.js';
import { reportMonths } from '../../../extractors/google-play/streams/months.js';
import { utf16Csv } from '../../fakes/google-play.js';

describe('google-play report files', () => {
  it('decodes UTF-16LE with a BOM and UTF-8, and refuses a cut UTF-16 file', () => {
    const bytes = utf16Csv([
      ['Date', 'Package Name'],
      ['2024-03-01', 'com.ex.ä'],
    ]);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    expect(decodeReport(bytes, 'f.csv')).toBe('Date,Package Name\n2024-03-01,com.ex.ä\n');
    expect(decodeReport(Buffer.from('\ufeffa,b\n'), 'u.csv')).toBe('a,b\n');
    expect(() => decodeReport(bytes.subarray(0, bytes.length - 1), 'f.csv')).toThrow(
      'f.csv: not valid UTF-16LE/UTF-8 text',
    );
  });

  it('names columns in snake_case and types every value exactly', () => {
    expect(snakeCase('Amount (Merchant Currency)')).toBe('amount_merchant_currency');
    expect(snakeCase('First USD 1M Eligible')).toBe('first_usd_1m_eligible');
    const report = parseReport(
      'Date,Package Name,Daily ANRs,Total Average Rating,New Thing\n2024-02-29,p.q,12,4.100000000000000001,x\n',
      'f.csv',
      {
        date: kinds.day,
        package_name: kinds.text,
        daily_anrs: kinds.count,
        total_average_rating: kinds.ratio,
      },
      ['date'],
    );
    expect(report).toEqual({
      rows: [
        {
          date: '2024-02-29',
          package_name: 'p.q',
          daily_anrs: '12',
          total_average_rating: '4.100000000000000001',
          other_columns: { new_thing: 'x' },
        },
      ],
      unknownHeaders: ['new_thing'],
    });
    expect(kinds.day.parse('Feb 3, 2024')).toBe('2024-02-03');
    expect(() => kinds.day.parse('2024-02-30')).toThrow('not a date');
    expect(() => kinds.ratio.parse('0.1234567890123456789')).toThrow('more than 18 decimal places');
    expect(kinds.ratio.parse('0.1000000000000000000')).toBe('0.1000000000000000000');
    expect(() => kinds.money.parse('1,5')).toThrow('not a decimal number');
    expect(kinds.count.parse('NA')).toBeNull();
    expect(() =>
      parseReport(
        'Date,Daily ANRs\n2024-02-29,1\n2024-03-01,x\n',
        'f.csv',
        { date: kinds.day, daily_anrs: kinds.count },
        [],
      ),
    ).toThrow('f.csv line 3 column daily_anrs: "x" not an integer');
    expect(() => parseReport('Package Name\np\n', 'f.csv', {}, ['date'])).toThrow(
      'f.csv: header lacks date (has package_name)',
    );
  });

  it('re-reads whole months, at least the last N, cut at the window end', () => {
    expect(reportMonths({ since: '2024-03-03', until: '2024-03-06' }, 2)).toEqual([
      { yyyymm: '202402', days: { since: '2024-02-01', until: '2024-03-01' } },
      { yyyymm: '202403', days: { since: '2024-03-01', until: '2024-03-06' } },
    ]);
    expect(
      reportMonths({ since: '2023-12-30', until: '2024-02-01' }, 1).map((m) => m.yyyymm),
    ).toEqual(['202312', '202401']);
  });

  it('refuses a body shorter than the listed size or not matching its MD5', () => {
    const object = { name: 'a', size: 3, md5Hash: 'kAFQmDzST7DWlj99KOF/cg==' };
    expect(integrityProblem(object, Buffer.from('abc'))).toBeUndefined();
    expect(integrityProblem(object, Buffer.from('ab'))).toBe('truncated body: 2 of 3 bytes');
    expect(integrityProblem(object, Buffer.from('abd'))).toMatch(/MD5/);
  });
});
