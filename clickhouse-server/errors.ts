/**
 * ClickHouse-style errors: the codes this front raises itself, the body text clients parse
 * (`Code: N. DB::Exception: message. (NAME) (version V)`), and the HTTP status for a code, as
 * ClickHouse's src/Server/HTTP/exceptionCodeToHTTPStatus.cpp maps them.
 */

/** Codes raised by the HTTP front itself (numbers from the engine's errorCodeToName()). */
export const ErrorCode = {
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_FORMAT: 73,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  TIMEOUT_EXCEEDED: 159,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  NETWORK_ERROR: 210,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  SESSION_NOT_FOUND: 372,
  INVALID_SESSION_TIMEOUT: 374,
  QUERY_WAS_CANCELLED: 394,
  AUTHENTICATION_FAILED: 516,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** An error that goes back to the client as a ClickHouse exception. */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The `(NAME)` part; looked up from `code` when not given. */
    readonly codeName: string = NAMES.get(code) ?? 'UNKNOWN_EXCEPTION',
  ) {
    super(message);
    this.name = 'ClickHouseHttpError';
  }
}

/** `Code: 60. DB::Exception: <message>. (UNKNOWN_TABLE)` as the engine words its errors. */
const ENGINE_ERROR = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)(?:\s*\(([A-Z0-9_]+)\))?\s*$/;

/**
 * Any thrown value as a ClickHouse error. Engine errors (chdb's typed errors) keep their
 * ClickHouse code and name; a failure of our own code becomes STD_EXCEPTION (1001), as
 * ClickHouse reports a std::exception.
 */
export function toClickHouseError(error: unknown): ClickHouseHttpError {
  if (error instanceof ClickHouseHttpError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const match = ENGINE_ERROR.exec(message.trim());
  if (match) {
    const code = Number(match[1]);
    const text = match[2]!.replace(/\.$/, '');
    return new ClickHouseHttpError(code, text, match[3] ?? NAMES.get(code) ?? 'UNKNOWN_EXCEPTION');
  }
  const code = (error as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  if (typeof code === 'number') return new ClickHouseHttpError(code, message);
  return new ClickHouseHttpError(1001, message, 'STD_EXCEPTION');
}

/** The response body ClickHouse sends for an exception (clients match on `Code: N.`). */
export function errorBody(error: ClickHouseHttpError, version: string): string {
  return `Code: ${error.code}. DB::Exception: ${error.message}. (${error.codeName}) (version ${version})\n`;
}

/** ClickHouse's exceptionCodeToHTTPStatus, keyed by name (engine errors carry the name). */
const STATUS_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['REQUIRED_PASSWORD', 401],
  ...[
    'UNKNOWN_USER',
    'WRONG_PASSWORD',
    'AUTHENTICATION_FAILED',
    'SET_NON_GRANTED_ROLE',
    'ACCESS_DENIED',
  ].map((name) => [name, 403] as const),
  ...[
    'BAD_ARGUMENTS',
    'CANNOT_COMPILE_REGEXP',
    'CANNOT_PARSE_TEXT',
    'CANNOT_PARSE_ESCAPE_SEQUENCE',
    'CANNOT_PARSE_QUOTED_STRING',
    'CANNOT_PARSE_DATE',
    'CANNOT_PARSE_DATETIME',
    'CANNOT_PARSE_NUMBER',
    'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
    'CANNOT_PARSE_IPV4',
    'CANNOT_PARSE_IPV6',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    'CANNOT_PARSE_UUID',
    'DUPLICATE_COLUMN',
    'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST',
    'UNKNOWN_TYPE_OF_AST_NODE',
    'THERE_IS_NO_COLUMN',
    'TOO_DEEP_AST',
    'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE',
    'SYNTAX_ERROR',
    'INCORRECT_DATA',
    'TYPE_MISMATCH',
    'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  ].map((name) => [name, 400] as const),
  ...[
    'UNKNOWN_TABLE',
    'UNKNOWN_FUNCTION',
    'UNKNOWN_IDENTIFIER',
    'UNKNOWN_TYPE',
    'UNKNOWN_STORAGE',
    'UNKNOWN_DATABASE',
    'UNKNOWN_SETTING',
    'UNKNOWN_DIRECTION_OF_SORTING',
    'UNKNOWN_AGGREGATE_FUNCTION',
    'UNKNOWN_FORMAT',
    'UNKNOWN_DATABASE_ENGINE',
    'UNKNOWN_TYPE_OF_QUERY',
    'UNKNOWN_ROLE',
  ].map((name) => [name, 404] as const),
  ['QUERY_IS_TOO_LARGE', 413],
  ['NOT_IMPLEMENTED', 501],
  ['SOCKET_TIMEOUT', 503],
  ['CANNOT_OPEN_FILE', 503],
  ['HTTP_LENGTH_REQUIRED', 411],
  ['TIMEOUT_EXCEEDED', 408],
  ['CANNOT_SCHEDULE_TASK', 503],
  ['UNSUPPORTED_MEDIA_TYPE', 415],
]);

export function httpStatusFor(error: ClickHouseHttpError): number {
  return STATUS_BY_NAME.get(error.codeName) ?? 500;
}
