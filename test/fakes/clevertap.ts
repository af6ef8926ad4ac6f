/**
 * A loopback fake of CleverTap's REST API: Get Events (`/1/events.json`) and Get User Profiles
 * by events (`/1/profiles.json`) with their two-step cursor protocol — POST `?batch_size=N` with
 * `{"event_name", "from", "to"}` (days as YYYYMMDD integers, `to` inclusive) answers
 * `{"status":"success","cursor":…}`; GET `?cursor=…` answers `{"status":"success","records":[…],
 * "next_cursor":…}`, without `next_cursor` on the last page. Every request must carry
 * `X-CleverTap-Account-Id` and the account's `X-CleverTap-Passcode` (else HTTP 401 with a fail
 * body) and POSTs `Content-Type: application/json`. Errors are `{"status":"fail","error":…,
 * "code":…}`. A cursor can be read again (a retried GET) until it expires; faults (routes `cursor` and `page`, or
 * `cursor:<account>/<event name>` and `page:<account>`) inject 429s, 5xx, HTML pages, truncated bodies, fail bodies under HTTP 200
 * and expired cursors.
 */
import {
  type FakeRequest,
  type FakeResponse,
  type FakeServer,
  type Fault,
  startFakeServer,
  withFaults,
} from './http.js';

export interface FakeEvent {
  readonly eventName: string;
  /** As CleverTap sends it: profile, ts (YYYYMMDDHHMMSS, account time), event_props, session_props. */
  readonly record: Record<string, unknown>;
}

export interface FakeAccount {
  readonly id: string;
  readonly passcode: string;
  readonly events: readonly FakeEvent[];
  /** Profile records by CleverTap ID (`profile.objectId` of the events). */
  readonly profiles: Readonly<Record<string, Record<string, unknown>>>;
}

export interface FakeCleverTap extends FakeServer {
  readonly faults: Fault[];
  /** The cursor requests (POST bodies) in order, with the account and kind. */
  readonly queries: {
    account: string;
    kind: string;
    body: Record<string, unknown>;
    batchSize: number;
  }[];
}

export const fail = (status: number, code: number, error: string): FakeResponse => ({
  status,
  body: { status: 'fail', error, code },
});

/** The day (YYYYMMDD) of a record's ts. */
const dayOf = (record: Record<string, unknown>) => Math.floor(Number(record.ts) / 1_000_000);

export async function startFakeCleverTap(accounts: readonly FakeAccount[]): Promise<FakeCleverTap> {
  const faults: Fault[] = [];
  const queries: FakeCleverTap['queries'] = [];
  const cursors = new Map<
    string,
    { account: string; records: unknown[]; offset: number; size: number }
  >();
  let nextId = 1;
  const newCursor = (entry: {
    account: string;
    records: unknown[];
    offset: number;
    size: number;
  }) => {
    // Opaque and long, like CleverTap's.
    const id = Buffer.from(`ct-cursor-${nextId++}-${entry.account}-${entry.offset}`).toString(
      'base64url',
    );
    cursors.set(id, entry);
    return id;
  };

  const handle = (request: FakeRequest): FakeResponse | Promise<FakeResponse> => {
    const route = /^\/1\/(events|profiles)\.json$/.exec(request.path);
    if (!route) return fail(404, 404, `Not found: ${request.path}`);
    const kind = route[1] as 'events' | 'profiles';
    const accountId = String(request.headers['x-clevertap-account-id'] ?? '');
    const account = accounts.find((a) => a.id === accountId);
    const isCursorRequest = request.method === 'POST';
    const eventName = String(
      (request.body as Record<string, unknown> | undefined)?.event_name ?? '',
    );
    // Cursor faults may name one event name: `cursor:<account>/<event name>`.
    const faultId = isCursorRequest ? `${accountId}/${eventName}` : accountId;
    return withFaults(faults, isCursorRequest ? 'cursor' : 'page', faultId, () => {
      if (!account || request.headers['x-clevertap-passcode'] !== account.passcode)
        return fail(401, 401, 'Invalid Credentials');
      if (isCursorRequest) {
        if (!String(request.headers['content-type'] ?? '').includes('application/json'))
          return fail(400, 400, 'Content-Type must be application/json');
        const body = request.body as Record<string, unknown> | undefined;
        const batchSize = Number(request.query.get('batch_size') ?? 10);
        const from = Number(body?.from);
        const to = Number(body?.to);
        if (
          !body ||
          typeof body.event_name !== 'string' ||
          !Number.isInteger(from) ||
          !Number.isInteger(to) ||
          from > to
        )
          return fail(400, 400, 'Invalid query: event_name, from and to (YYYYMMDD) are required');
        if (!(batchSize >= 1 && batchSize <= 5000))
          return fail(400, 400, 'batch_size must be 1..5000');
        queries.push({ account: account.id, kind, body, batchSize });
        const matching = account.events.filter(
          (e) =>
            e.eventName === body.event_name && dayOf(e.record) >= from && dayOf(e.record) <= to,
        );
        const records =
          kind === 'events'
            ? matching.map((e) => e.record)
            : [
                ...new Set(
                  matching.map((e) =>
                    String((e.record.profile as Record<string, unknown>).objectId),
                  ),
                ),
              ]
                .sort()
                .map((objectId) => account.profiles[objectId])
                .filter((p) => p !== undefined);
        return {
          status: 200,
          body: {
            status: 'success',
            cursor: newCursor({ account: account.id, records, offset: 0, size: batchSize }),
          },
        };
      }
      const cursor = request.query.get('cursor') ?? '';
      const entry = cursors.get(cursor);
      if (!entry || entry.account !== account.id)
        return {
          status: 200,
          body: { status: 'fail', error: 'Cursor is invalid or has expired', code: 1 },
        };
      const records = entry.records.slice(entry.offset, entry.offset + entry.size);
      const offset = entry.offset + records.length;
      return {
        status: 200,
        body: {
          status: 'success',
          records,
          ...(offset < entry.records.length
            ? { next_cursor: newCursor({ ...entry, offset }) }
            : {}),
        },
      };
    });
  };
  const server = await startFakeServer(handle);
  return { ...server, faults, queries };
}
