/** CleverTap record reading and the per-event-name state reducer, without the network. */
import { describe, expect, it } from 'vitest';
import { regionBaseUrl } from '../../../extractors/clevertap/config.js';
import { nextEventWindowState } from '../../../extractors/clevertap/streams/event-windows.js';
import { eventRow } from '../../../extractors/clevertap/streams/events.js';
import { profileRow } from '../../../extractors/clevertap/streams/profiles.js';
import { canonicalJson, eventTime } from '../../../extractors/clevertap/streams/records.js';

const context = { accountId: 'W9R-486-4W5Z', eventName: 'Charged', timezone: 'America/New_York' };
const record = {
  profile: { objectId: '__abc', identity: 'u1@example.com', platform: 'iOS', name: 'Ann' },
  ts: 20240310013000,
  event_props: { Amount: 12.5, Currency: 'USD' },
  session_props: { utm_source: 'google' },
};

describe('clevertap records', () => {
  it("places CleverTap's ts in the account's day and in UTC, across a DST change", () => {
    // New York switches to EDT at 02:00 on 2024-03-10.
    expect(eventTime(20240310013000, 'America/New_York')).toEqual({
      date: '2024-03-10',
      utc: '2024-03-10 06:30:00',
      ts: 20240310013000,
    });
    expect(eventTime('20240310120000', 'America/New_York')?.utc).toBe('2024-03-10 16:00:00');
    expect(eventTime(20240301001500, 'Asia/Kolkata')?.utc).toBe('2024-02-29 18:45:00');
    expect(eventTime(1709251200, 'Asia/Kolkata')).toEqual({
      date: '2024-03-01',
      utc: '2024-03-01 00:00:00',
      ts: 1709251200,
    });
    for (const bad of [
      20240231120000,
      'yesterday',
      null,
      202403101,
      20240310246000,
      20240310126000,
    ]) {
      expect(eventTime(bad, 'UTC')).toBeUndefined();
    }
  });

  it('keys an event by what makes it, not by the profile snapshot the export attaches', () => {
    const row = eventRow(record, context);
    const later = eventRow(
      { ...record, profile: { ...record.profile, name: 'Ann B.', email: 'new@example.com' } },
      context,
    );
    const other = eventRow({ ...record, event_props: { Currency: 'USD', Amount: 13 } }, context);
    const reordered = eventRow(
      { ...record, event_props: { Currency: 'USD', Amount: 12.5 } },
      context,
    );
    if (typeof row === 'string' || typeof later === 'string' || typeof other === 'string')
      throw new Error('rows expected');
    expect(row.event_key).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof reordered !== 'string' && reordered.event_key).toBe(row.event_key);
    expect(later.event_key).toBe(row.event_key);
    expect(other.event_key).not.toBe(row.event_key);
    expect(row).toMatchObject({
      event_date: '2024-03-10',
      event_time: '2024-03-10 06:30:00',
      identity: 'u1@example.com',
      object_id: '__abc',
      event_props: '{"Amount":12.5,"Currency":"USD"}',
    });
    expect(eventRow({ ...record, ts: 'soon' }, context)).toBe('ts "soon" is not YYYYMMDDHHMMSS');
  });

  it('keys a profile by identity, else by its CleverTap ID', () => {
    const known = profileRow(
      { identity: 4915112345678, platformInfo: [{ platform: 'Android', objectId: '__x' }] },
      context,
    );
    expect(known).toMatchObject({ profile_key: '4915112345678', object_id: '__x' });
    const anonymous = profileRow(
      { platformInfo: [{ platform: 'Web', objectId: '-anon' }] },
      context,
    );
    expect(anonymous).toMatchObject({ profile_key: 'ct:-anon', identity: '', platform: 'Web' });
    expect(profileRow({ name: 'nobody' }, context)).toMatch(
      /neither an identity nor a CleverTap ID/,
    );
  });

  it('writes canonical JSON, keys sorted at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it('maps regions to their hosts', () => {
    expect(regionBaseUrl('eu1')).toBe('https://api.clevertap.com');
    expect(regionBaseUrl('in1')).toBe('https://in1.api.clevertap.com');
    expect(regionBaseUrl('mec1')).toBe('https://mec1.api.clevertap.com');
  });
});

describe('nextEventWindowState', () => {
  const start = { cursors: { Charged: { lastLoadedDate: '2024-03-05' } } };

  it("moves only the batch's event name, forward, once its window's last page is written", () => {
    const rows = { kind: 'rows' as const, rows: [] };
    expect(nextEventWindowState(start, rows)).toBe(start);
    const launched = nextEventWindowState(start, {
      ...rows,
      eventName: 'App Launched',
      window: { since: '2024-03-01', until: '2024-03-03' },
    } as never);
    expect(launched).toEqual({
      cursors: {
        Charged: { lastLoadedDate: '2024-03-05' },
        'App Launched': { lastLoadedDate: '2024-03-02' },
      },
    });
    // A lookback re-read of older days never moves a cursor back.
    const back = nextEventWindowState(start, {
      ...rows,
      eventName: 'Charged',
      window: { since: '2024-03-01', until: '2024-03-02' },
    } as never);
    expect(back).toBe(start);
    expect(start).toEqual({ cursors: { Charged: { lastLoadedDate: '2024-03-05' } } });
  });
});
