/**
 * A tiny loopback HTTP server for the ad-platform fakes: binds 127.0.0.1 on a free port, parses
 * the query and JSON body, and lets each fake answer with its platform's wire format.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly rawBody: string;
}

export interface FakeResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as-is with text/html instead of JSON (a proxy's error page). */
  readonly html?: boolean;
  /** Answer only after this many milliseconds (a slow upstream). */
  readonly delayMs?: number;
  /** Sent as these exact bytes (a CSV file, a gzip report) with `contentType`; `body` is ignored. */
  readonly bytes?: Buffer;
  readonly contentType?: string;
  /** Announce the full length but send only this many bytes, then cut the connection (a
   *  truncated body). */
  readonly truncateAt?: number;
}

export interface FakeServer {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(
  handle: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown;
      const type = req.headers['content-type'] ?? '';
      if (rawBody && type.includes('json')) body = JSON.parse(rawBody);
      else if (rawBody && type.includes('x-www-form-urlencoded')) {
        body = Object.fromEntries(new URLSearchParams(rawBody));
      } else body = rawBody || undefined;
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        rawBody,
      };
      requests.push(request);
      let response: FakeResponse;
      try {
        response = await handle(request);
      } catch (error) {
        response = { status: 599, body: { fakeError: String(error) } };
      }
      const send = () => {
        const payload = response.bytes
          ? response.bytes
          : Buffer.from(response.html ? String(response.body) : JSON.stringify(response.body));
        const contentType = response.bytes
          ? (response.contentType ?? 'application/octet-stream')
          : response.html
            ? 'text/html; charset=utf-8'
            : 'application/json';
        res.writeHead(response.status, {
          'content-type': contentType,
          'content-length': String(payload.length),
          ...response.headers,
        });
        if (response.truncateAt === undefined) res.end(payload);
        else res.write(payload.subarray(0, response.truncateAt), () => res.destroy());
      };
      if (response.delayMs) setTimeout(send, response.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fault queued on a route: the next `times` matching requests get `response` instead of the
 * fake's answer, or (without `response`) the fake's answer after `delayMs` (a slow upstream).
 * With `after`, that many matching requests are answered normally first (a fault on a later page).
 */
export interface Fault {
  readonly route: string;
  times: number;
  after?: number;
  readonly response?: FakeResponse;
  readonly delayMs?: number;
}

/**
 * Applies the first pending fault of `route` (or of `route:<id>`, a fault for one account only)
 * to the fake's own answer.
 */
export async function withFaults(
  faults: Fault[],
  route: string,
  id: string,
  answer: () => FakeResponse | Promise<FakeResponse>,
): Promise<FakeResponse> {
  const fault = faults.find(
    (f) => (f.route === route || f.route === `${route}:${id}`) && f.times > 0,
  );
  if (!fault) return answer();
  if (fault.after) {
    fault.after -= 1;
    return answer();
  }
  fault.times -= 1;
  if (fault.response) return fault.response;
  return { ...(await answer()), delayMs: fault.delayMs };
}

export const HTML_500_PAGE =
  '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>upstream connect error</p></body></html>';
