/**
 * Reads what a ClickHouse HTTP request asks for from its URL parameters: the query, database,
 * formats, ids, session, per-query settings and `param_*` values. Any other parameter is a
 * setting, as ClickHouse treats it; one the engine does not know is an UNKNOWN_SETTING error.
 */
import { randomUUID } from 'node:crypto';
import { ClickHouseHttpError, ErrorCode } from './errors.js';

export interface ParsedRequest {
  /** The `query` parameter (the body follows it, after a newline). */
  readonly query?: string;
  readonly database?: string;
  readonly defaultFormat: string;
  readonly queryId: string;
  readonly session?: { readonly id: string; readonly timeoutSeconds: number };
  /** `session_check=1`: the session must exist already. */
  readonly sessionCheck: boolean;
  /** Settings for the engine, for this query. */
  readonly settings: ReadonlyMap<string, string>;
  /** `param_<name>` values. */
  readonly params: ReadonlyMap<string, string>;
  /** `enable_http_compression=1`. */
  readonly compressResponse: boolean;
  /** `http_zlib_compression_level`. */
  readonly compressionLevel: number;
}

/** Parameters ClickHouse's HTTP handler reserves (not settings), and ones we ignore safely. */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'user',
  'password',
  'quota_key',
  'stacktrace',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
]);

/**
 * Settings of the HTTP layer itself: meaningful to a server, not to the engine. We act on the
 * compression ones and otherwise drop them (responses are written whole after the query ends,
 * so progress headers and the end-of-query wait have nothing to change).
 */
const HTTP_LAYER = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'cancel_http_readonly_queries_on_client_close',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'http_native_compression_disable_checksumming_on_decompress',
  'http_write_exception_in_output_format',
  'http_response_headers',
  'add_http_cors_header',
]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParseOptions {
  /** Whether the engine knows a setting of this name. */
  readonly isSetting: (name: string) => boolean;
  readonly defaultSessionTimeout: number;
  readonly maxSessionTimeout: number;
}

export function parseRequest(
  method: string,
  params: URLSearchParams,
  options: ParseOptions,
): ParsedRequest {
  const settings = new Map<string, string>();
  const queryParams = new Map<string, string>();
  for (const [name, value] of params) {
    if (name.startsWith('param_')) {
      const paramName = name.slice('param_'.length);
      if (!NAME.test(paramName)) {
        throw new ClickHouseHttpError(
          ErrorCode.BAD_ARGUMENTS,
          `Invalid query parameter name: ${JSON.stringify(paramName.slice(0, 64))}`,
        );
      }
      queryParams.set(paramName, value);
    } else if (RESERVED.has(name) || HTTP_LAYER.has(name)) {
      // handled below, or by the server
    } else if (NAME.test(name) && options.isSetting(name)) {
      settings.set(name, value);
    } else {
      throw new ClickHouseHttpError(
        ErrorCode.UNKNOWN_SETTING,
        `Setting ${name.slice(0, 64)} is neither a builtin setting nor started with the prefix 'custom_' registered for user-defined settings`,
      );
    }
  }
  for (const flag of ['compress', 'decompress']) {
    if (params.get(flag) === '1') {
      throw new ClickHouseHttpError(
        ErrorCode.NOT_IMPLEMENTED,
        `The ${flag}=1 parameter (ClickHouse's own block compression) is not supported by this server; use HTTP compression (Content-Encoding / enable_http_compression)`,
      );
    }
  }
  // HTTP GET is read-only in ClickHouse unless the client chose a readonly level itself.
  if (method === 'GET' && !settings.has('readonly')) settings.set('readonly', '2');
  const sessionId = params.get('session_id') || undefined;
  let session: ParsedRequest['session'];
  if (sessionId !== undefined) {
    const timeoutText = params.get('session_timeout');
    const timeoutSeconds =
      timeoutText === null ? options.defaultSessionTimeout : Number(timeoutText);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
      throw new ClickHouseHttpError(
        ErrorCode.INVALID_SESSION_TIMEOUT,
        `Invalid session timeout: '${String(timeoutText).slice(0, 32)}'`,
      );
    }
    if (timeoutSeconds > options.maxSessionTimeout) {
      throw new ClickHouseHttpError(
        ErrorCode.INVALID_SESSION_TIMEOUT,
        `Session timeout '${timeoutSeconds}' is larger than max_session_timeout: ${options.maxSessionTimeout}. Maximum session timeout could be modified in configuration file.`,
      );
    }
    session = { id: sessionId, timeoutSeconds };
  }
  const level = Number(params.get('http_zlib_compression_level') ?? 3);
  return {
    query: params.get('query') ?? undefined,
    database: params.get('database') || undefined,
    defaultFormat: params.get('default_format') || 'TabSeparated',
    queryId: params.get('query_id') || randomUUID(),
    session,
    sessionCheck: params.get('session_check') === '1',
    settings,
    params: queryParams,
    compressResponse: params.get('enable_http_compression') === '1',
    compressionLevel: Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3,
  };
}
