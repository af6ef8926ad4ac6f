/**
 * The CleverTap test data: two accounts' events over 2024-03-01..05 (account time
 * Europe/Madrid, UTC+1 in March before the DST change), the profiles of their users, and the
 * rows a load of a window must leave in ClickHouse, computed from the data itself.
 */
import type { FakeAccount, FakeEvent } from '../../fakes/clevertap.js';

export const TIMEZONE = 'Europe/Madrid';
export const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05'];

interface User {
  readonly objectId: string;
  /** '' for an anonymous user (no identity set by the app). */
  readonly identity: string | number;
  readonly platform: string;
}

function users(prefix: string): User[] {
  return [
    { objectId: `__${prefix}1a2b3c`, identity: `${prefix}-user-1@example.com`, platform: 'iOS' },
    { objectId: `__${prefix}4d5e6f`, identity: 4915112345678, platform: 'Android' },
    { objectId: `-${prefix}anon77`, identity: '', platform: 'Web' },
  ];
}

/** `2024-03-01`, 23:30:05 → 20240301233005 (CleverTap's ts). */
const ts = (day: string, hh: number, mm: number, ss: number) =>
  Number(`${day.replace(/-/g, '')}${[hh, mm, ss].map((n) => String(n).padStart(2, '0')).join('')}`);

function account(id: string, passcode: string, seed: number): FakeAccount {
  const people = users(id.slice(0, 3).toLowerCase());
  const events: FakeEvent[] = [];
  DAYS.forEach((day, d) => {
    people.forEach((user, u) => {
      // The profile object as an export shows it: it varies between reads (last_seen moves).
      const profile = {
        objectId: user.objectId,
        ...(user.identity === '' ? {} : { identity: user.identity }),
        platform: user.platform,
        name: `User ${u + 1}`,
      };
      for (let n = 0; n < 2 + ((d + u + seed) % 3); n += 1) {
        events.push({
          eventName: 'App Launched',
          record: {
            profile,
            // The first launch at 00:15 Madrid time is 23:15 UTC the day before: the day is the
            // account's, the instant UTC.
            ts: ts(day, n === 0 ? 0 : 9 + n, n === 0 ? 15 : 23 * u, n),
            event_props: { 'App Version': `3.${u}.${n}`, Source: u === 2 ? 'web' : 'push' },
            session_props: { utm_source: u === 0 ? 'facebook' : 'google', session_length: 30 + n },
          },
        });
      }
      if ((d + u + seed) % 2 === 0) {
        events.push({
          eventName: 'Charged',
          record: {
            profile,
            ts: ts(day, 23, 30, u),
            event_props: {
              Amount: 10 * (d + 1) + u + seed / 10,
              Currency: 'EUR',
              Items: [{ Category: 'plans', 'Product name': `plan-${u}` }],
            },
            session_props: { utm_source: 'google' },
          },
        });
      }
    });
  });
  const profiles = Object.fromEntries(
    people.map((user, u) => [
      user.objectId,
      {
        ...(user.identity === '' ? {} : { identity: user.identity, email: `u${u}@example.com` }),
        name: `User ${u + 1}`,
        profileData: { plan: u === 1 ? 'premium' : 'free', 'Customer Type': 'B2C' },
        platformInfo: [{ platform: user.platform, objectId: user.objectId, app_version: '3.1' }],
        events: {
          'App Launched': { count: 10 + u, first_seen: 1709251200, last_seen: 1709596800 },
        },
      },
    ]),
  );
  return { id, passcode, events, profiles };
}

export const PASSCODES = {
  a: 'QXK-7TV-MWPZ',
  b: 'RHD-2NC-YQLA',
  c: 'JZE-8PF-KWNB',
} as const;

export const ACCOUNTS: FakeAccount[] = [
  account('AAA-111-AAAZ', PASSCODES.a, 0),
  account('BBB-222-BBBZ', PASSCODES.b, 1),
  account('CCC-333-CCCZ', PASSCODES.c, 2),
];

/** The UTC text of a Madrid wall-clock ts in March 2024 (before 31 March: UTC+1). */
function madridUtc(value: number): string {
  const t = String(value);
  const ms =
    Date.UTC(
      +t.slice(0, 4),
      +t.slice(4, 6) - 1,
      +t.slice(6, 8),
      +t.slice(8, 10),
      +t.slice(10, 12),
      +t.slice(12, 14),
    ) - 3_600_000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export interface ExpectedEvent {
  account_id: string;
  event_name: string;
  event_date: string;
  ts: string;
  event_time: string;
  identity: string;
  object_id: string;
  event_props: string;
}

const sorted = (value: Record<string, unknown>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, value[k]]),
    ),
  );

/** Events of `accounts` on days [since, until), as the test query selects them. */
export function expectedEvents(
  accounts: readonly FakeAccount[],
  since: string,
  until: string,
  names: readonly string[] = ['App Launched', 'Charged'],
): ExpectedEvent[] {
  const rows: ExpectedEvent[] = [];
  for (const a of accounts) {
    for (const { eventName, record } of a.events) {
      const t = String(record.ts);
      const day = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
      if (day < since || day >= until || !names.includes(eventName)) continue;
      const profile = record.profile as Record<string, unknown>;
      rows.push({
        account_id: a.id,
        event_name: eventName,
        event_date: day,
        ts: t,
        event_time: madridUtc(Number(t)),
        identity: profile.identity === undefined ? '' : String(profile.identity),
        object_id: String(profile.objectId),
        event_props: JSON.stringify(record.event_props, (_k, v) =>
          v && typeof v === 'object' && !Array.isArray(v) ? JSON.parse(sorted(v)) : v,
        ),
      });
    }
  }
  return sortEvents(rows);
}

export const EVENTS_SQL = `
  SELECT account_id, event_name, toString(event_date) AS event_date, toString(ts) AS ts,
         toString(event_time) AS event_time, identity, object_id, event_props
  FROM raw.clevertap_events FINAL`;

export interface ExpectedProfile {
  account_id: string;
  profile_key: string;
  identity: string;
  object_id: string;
  email: string;
  platform: string;
  profile_data: string;
}

/** Profiles of users who did `App Launched` on days [since, until). */
export function expectedProfiles(
  accounts: readonly FakeAccount[],
  since: string,
  until: string,
): ExpectedProfile[] {
  const rows: ExpectedProfile[] = [];
  for (const a of accounts) {
    const seen = new Set<string>();
    for (const { eventName, record } of a.events) {
      const t = String(record.ts);
      const day = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
      if (eventName !== 'App Launched' || day < since || day >= until) continue;
      seen.add(String((record.profile as Record<string, unknown>).objectId));
    }
    for (const objectId of seen) {
      const p = a.profiles[objectId] as Record<string, unknown>;
      const identity = p.identity === undefined ? '' : String(p.identity);
      rows.push({
        account_id: a.id,
        profile_key: identity || `ct:${objectId}`,
        identity,
        object_id: objectId,
        email: String(p.email ?? ''),
        platform: String((p.platformInfo as Record<string, unknown>[])[0]?.platform),
        profile_data: sorted(p.profileData as Record<string, unknown>),
      });
    }
  }
  return sortProfiles(rows);
}

export const PROFILES_SQL = `
  SELECT account_id, profile_key, identity, object_id, email, platform, profile_data
  FROM raw.clevertap_profiles FINAL`;

/** Code-point order, the same for expected and loaded rows. */
const byText =
  <Row>(text: (row: Row) => string) =>
  (x: Row, y: Row) =>
    text(x) < text(y) ? -1 : text(x) > text(y) ? 1 : 0;

export const sortEvents = <Row extends ExpectedEvent>(rows: Row[]): Row[] =>
  rows.sort(
    byText((r) => JSON.stringify([r.account_id, r.event_name, r.ts, r.object_id, r.event_props])),
  );

export const sortProfiles = <Row extends ExpectedProfile>(rows: Row[]): Row[] =>
  rows.sort(byText((r) => `${r.account_id}|${r.profile_key}`));
