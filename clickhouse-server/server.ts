/**
 * ClickHouse's HTTP interface over the embedded engine: `startClickHouseServer` listens (on
 * 127.0.0.1 unless told otherwise), authenticates, turns each request into an engine job and
 * answers as ClickHouse does — its headers, its error bodies and status codes, its compression.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkCredentials, requestCredentials } from './auth.js';
import {
  decodeInNode,
  encodeResponse,
  negotiateResponseEncoding,
  requestEncoding,
} from './compression.js';
import { Engine } from './engine.js';
import {
  ClickHouseHttpError,
  ErrorCode,
  errorBody,
  httpStatusFor,
  toClickHouseError,
} from './errors.js';
import { formatRequestLog, type RequestLog, redact } from './log.js';
import { joinQueryAndBody, prepareJob } from './prepare.js';
import { type ParsedRequest, parseRequest } from './request.js';

export interface ClickHouseServerOptions {
  /** Data folder the server owns. */
  readonly path: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  /** Engine calls at once (default 2). */
  readonly concurrency?: number;
  /** Requests waiting for the engine before TOO_MANY_SIMULTANEOUS_QUERIES (default 64). */
  readonly maxQueued?: number;
  /** Longest wait for the engine, ms (default 60 000). */
  readonly queueTimeoutMs?: number;
  /** max_execution_time for every query, seconds; 0 for none (default 3600). */
  readonly queryTimeoutSeconds?: number;
  /** Largest request body, bytes (default 1 GiB). */
  readonly maxBodyBytes?: number;
  /** Idle seconds before a session closes, unless the request says (default 60). */
  readonly sessionTimeoutSeconds?: number;
  readonly maxSessions?: number;
  /** A ClickHouse server configuration file for the engine (e.g. named collections). */
  readonly configFile?: string;
  /** Receives one JSON line per request. */
  readonly log?: (line: string) => void;
}

export interface ClickHouseServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets running queries finish and answer, then closes the engine. */
  close(): Promise<void>;
}

/** Content-Type per output format family, as ClickHouse labels them. */
function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('tsv') || f.startsWith('tabseparated'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (
    ['native', 'parquet', 'arrow', 'arrowstream', 'orc', 'avro'].includes(f) ||
    f.includes('binary')
  )
    return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

class BodyTooLarge extends ClickHouseHttpError {}

/** The whole request body, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooLarge = () =>
    new BodyTooLarge(
      ErrorCode.QUERY_IS_TOO_LARGE,
      `Request body is larger than the server's limit of ${limit} bytes`,
    );
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('aborted', () =>
      reject(new ClickHouseHttpError(ErrorCode.NETWORK_ERROR, 'Client closed the connection')),
    );
  });
}

export async function startClickHouseServer(
  options: ClickHouseServerOptions,
): Promise<ClickHouseServer> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'clickhouse-http-'));
  const engine = new Engine({
    path: path.resolve(options.path),
    concurrency: options.concurrency ?? 2,
    maxQueued: options.maxQueued ?? 64,
    queueTimeoutMs: options.queueTimeoutMs ?? 60_000,
    queryTimeoutSeconds: options.queryTimeoutSeconds ?? 3600,
    maxSessions: options.maxSessions ?? 256,
    configFile: options.configFile && path.resolve(options.configFile),
    tempDir,
  });
  await engine.open();
  const expected = { user: options.user ?? 'default', password: options.password ?? '' };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 ** 3;
  const sessionTimeout = options.sessionTimeoutSeconds ?? 60;
  const log = options.log ?? (() => {});
  const inFlight = new Set<Promise<void>>();

  const commonHeaders = {
    'X-ClickHouse-Server-Display-Name': engine.info.displayName,
    'X-ClickHouse-Timezone': engine.info.timezone,
  };

  /** Answers one query request; returns what the log line needs. */
  async function handleQuery(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: { -readonly [K in keyof RequestLog]?: RequestLog[K] },
  ): Promise<void> {
    checkCredentials(requestCredentials(req.headers, url.searchParams), expected);
    const request: ParsedRequest = parseRequest(req.method ?? 'GET', url.searchParams, {
      isSetting: (name) => engine.isSetting(name),
      defaultSessionTimeout: sessionTimeout,
      maxSessionTimeout: 3600,
    });
    entry.query_id = request.queryId;
    entry.session_id = request.session?.id;
    res.setHeader('X-ClickHouse-Query-Id', request.queryId);
    if (request.sessionCheck && request.session && !engine.hasSession(request.session.id)) {
      throw new ClickHouseHttpError(
        ErrorCode.SESSION_NOT_FOUND,
        `Session ${request.session.id.slice(0, 100)} not found`,
      );
    }
    let body = req.method === 'POST' ? await readBody(req, maxBodyBytes) : Buffer.alloc(0);
    const encoding = requestEncoding(req.headers['content-encoding'] as string | undefined);
    if (encoding === 'lz4' || encoding === 'zstd') {
      body = await engine.decode(body, encoding, request.queryId.replace(/\W/g, '_'));
    } else if (encoding) {
      body = await decodeInNode(body, encoding);
    }
    if (body.length > maxBodyBytes) {
      throw new BodyTooLarge(
        ErrorCode.QUERY_IS_TOO_LARGE,
        `Decompressed request body is larger than the server's limit of ${maxBodyBytes} bytes`,
      );
    }
    const prepared = await prepareJob(request, joinQueryAndBody(request.query, body), tempDir);
    entry.sql = prepared.sqlText;
    let result: Awaited<ReturnType<Engine['execute']>>;
    try {
      result = await engine.execute(prepared.job, request.session);
    } finally {
      await prepared.cleanup();
    }
    const bytes = result.bytes();
    let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rows = String(result.rowsRead);
    const summary = {
      read_rows: rows,
      read_bytes: String(result.bytesRead),
      written_rows: prepared.isInsert || prepared.job.keyword === 'INSERT' ? rows : '0',
      written_bytes: prepared.isInsert ? String(result.bytesRead) : '0',
      total_rows_to_read: rows,
      result_rows: prepared.isInsert ? rows : '0',
      result_bytes: String(out.length),
      elapsed_ns: String(Math.round(result.elapsed * 1e9)),
    };
    res.setHeader('X-ClickHouse-Format', prepared.format);
    res.setHeader('X-ClickHouse-Summary', JSON.stringify(summary));
    res.setHeader('Content-Type', contentType(prepared.format));
    const responseEncoding = request.compressResponse
      ? negotiateResponseEncoding(req.headers['accept-encoding'])
      : undefined;
    if (responseEncoding && out.length > 0) {
      out = await encodeResponse(out, responseEncoding, request.compressionLevel);
      res.setHeader('Content-Encoding', responseEncoding);
    }
    res.setHeader('Content-Length', out.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : out);
  }

  function sendError(res: ServerResponse, error: ClickHouseHttpError, closeConnection: boolean) {
    if (res.headersSent || res.destroyed) return;
    const body = redact(errorBody(error, engine.info.version));
    res.setHeader('X-ClickHouse-Exception-Code', String(error.code));
    res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    // Unread body bytes would be taken for the next request on a kept-alive connection.
    if (closeConnection) res.setHeader('Connection', 'close');
    res.writeHead(httpStatusFor(error));
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const entry: { -readonly [K in keyof RequestLog]?: RequestLog[K] } = {};
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    for (const [name, value] of Object.entries(commonHeaders)) res.setHeader(name, value);
    try {
      const isQuery = url.searchParams.has('query') || req.method === 'POST';
      if ((url.pathname === '/ping' || url.pathname === '/replicas_status') && !isQuery) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      } else if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
        throw new ClickHouseHttpError(
          ErrorCode.UNSUPPORTED_METHOD,
          `HTTP method ${String(req.method).slice(0, 16)} is not supported`,
        );
      } else if (!isQuery) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      } else {
        await handleQuery(req, res, url, entry);
      }
    } catch (thrown) {
      const error = toClickHouseError(thrown);
      entry.code = error.code;
      entry.error = error.message;
      sendError(res, error, !req.complete);
    } finally {
      log(
        formatRequestLog({
          ...entry,
          method: req.method ?? '?',
          path: url.pathname,
          status: res.statusCode,
          duration_ms: Math.round((performance.now() - started) * 100) / 100,
        }),
      );
    }
  }

  const server = http.createServer((req, res) => {
    const done = handle(req, res).catch(() => {
      // handle() answers every error itself; this only guards the process.
      if (!res.destroyed) res.destroy();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  // `Expect: 100-continue` (curl sends it for bodies over 1 MB): a declared body over the limit is
  // refused before the client sends it. Answering 413 mid-upload races the upload instead, and
  // the client may never read the answer.
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length'] ?? 0) <= maxBodyBytes) res.writeContinue();
    server.emit('request', req, res);
  });
  // A malformed request line or headers: a ClickHouse-style 400, then the socket closes.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) {
      const body = errorBody(
        new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, 'Malformed HTTP request'),
        engine.info.version,
      );
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=UTF-8\r\nX-ClickHouse-Exception-Code: 36\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  // Queries can run for minutes; the engine's own max_execution_time bounds them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8123, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.all([...inFlight]);
        server.closeAllConnections();
        await stopped;
        await engine.close();
        await rm(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
