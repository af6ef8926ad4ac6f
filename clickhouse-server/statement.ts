/**
 * Just enough of ClickHouse's lexer to split a request into SQL and data, byte-wise: an INSERT's
 * data (often binary: Native, RowBinary) follows its `FORMAT name` or `VALUES` in the same body,
 * so the bytes are scanned as bytes and never decoded before the split.
 */

export interface InsertShape {
  /** Input format: the FORMAT clause, or `Values` for `VALUES`. */
  readonly format: string;
  /** Offset where `FROM INFILE` belongs: before a SETTINGS clause, else before FORMAT/VALUES. */
  readonly infileAt: number;
  /** Offset of the FORMAT/VALUES keyword. */
  readonly formatAt: number;
  /** Offset of the first data byte (equal to the length when there is no data). */
  readonly dataStart: number;
}

export interface Statement {
  /** The first keyword, upper-cased (`SELECT`, `INSERT`, `SET`, `USE`, …); '' when none. */
  readonly keyword: string;
  /** Output format named by a top-level FORMAT clause (not for INSERT). */
  readonly outputFormat?: string;
  /** For an INSERT that carries data (FORMAT or VALUES), where its parts are. */
  readonly insert?: InsertShape;
  /** For `USE db`: the database. */
  readonly useDatabase?: string;
}

interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'open' | 'close' | 'other';
  readonly start: number;
  readonly end: number;
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
const isWordStart = (b: number) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;
const isWordPart = (b: number) => isWordStart(b) || (b >= 0x30 && b <= 0x39) || b === 0x24;

/** The token at or after `pos`, skipping whitespace and comments; undefined at the end. */
function nextToken(buf: Uint8Array, pos: number): Token | undefined {
  let i = pos;
  const n = buf.length;
  for (;;) {
    while (i < n && isSpace(buf[i]!)) i++;
    if (i >= n) return undefined;
    if (buf[i] === 0x2d && buf[i + 1] === 0x2d) {
      // -- comment to the end of the line
      while (i < n && buf[i] !== 0x0a) i++;
      continue;
    }
    if (buf[i] === 0x2f && buf[i + 1] === 0x2a) {
      // /* comment */
      const close = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    break;
  }
  const start = i;
  const b = buf[i]!;
  if (b === 0x27 || b === 0x22 || b === 0x60) {
    // '…' string, "…" or `…` identifier: backslash escapes, doubled quote
    i++;
    while (i < n) {
      if (buf[i] === 0x5c) i += 2;
      else if (buf[i] === b && buf[i + 1] === b) i += 2;
      else if (buf[i] === b) break;
      else i++;
    }
    return { kind: b === 0x27 ? 'string' : 'quoted', start, end: Math.min(i + 1, n) };
  }
  if (isWordStart(b)) {
    while (i < n && isWordPart(buf[i]!)) i++;
    return { kind: 'word', start, end: i };
  }
  if (b === 0x28 || b === 0x5b || b === 0x7b) return { kind: 'open', start, end: i + 1 };
  if (b === 0x29 || b === 0x5d || b === 0x7d) return { kind: 'close', start, end: i + 1 };
  return { kind: 'other', start, end: i + 1 };
}

const text = (buf: Uint8Array, t: Token) => Buffer.from(buf.subarray(t.start, t.end)).toString();
const upper = (buf: Uint8Array, t: Token) => (t.kind === 'word' ? text(buf, t).toUpperCase() : '');

/** An identifier token's name: quotes removed. */
function identifier(buf: Uint8Array, t: Token): string {
  const raw = text(buf, t);
  if (t.kind !== 'quoted') return raw;
  const q = raw[0]!;
  return raw.slice(1, -1).replaceAll(`${q}${q}`, q).replace(/\\(.)/g, '$1');
}

/**
 * Where an INSERT's data starts after `FORMAT name`: ClickHouse's ParserInsertQuery skips
 * blanks, then one line break if there is one.
 */
function dataStartAfter(buf: Uint8Array, pos: number): number {
  let i = pos;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0c)) i++;
  if (buf[i] === 0x0d) i++;
  if (buf[i] === 0x0a) i++;
  return i;
}

/** Scans the statement at the start of `buf` (its SQL text, plus an INSERT's data). */
export function scanStatement(buf: Uint8Array): Statement {
  const first = nextToken(buf, 0);
  if (!first) return { keyword: '' };
  const keyword = upper(buf, first);
  if (keyword === 'USE') {
    const name = nextToken(buf, first.end);
    return { keyword, useDatabase: name ? identifier(buf, name) : undefined };
  }
  let depth = 0;
  let settingsAt: number | undefined;
  let outputFormat: string | undefined;
  let previous = '';
  for (let t = nextToken(buf, first.end); t; t = nextToken(buf, t.end)) {
    if (t.kind === 'open') depth++;
    else if (t.kind === 'close') depth = Math.max(0, depth - 1);
    if (depth > 0 || t.kind !== 'word') {
      previous = '';
      continue;
    }
    const word = upper(buf, t);
    if (keyword === 'INSERT') {
      // INSERT … SELECT / WITH: no data follows, the whole body is SQL.
      if ((word === 'SELECT' || word === 'WITH') && previous !== 'INTO') return { keyword };
      if (word === 'SETTINGS' && settingsAt === undefined) settingsAt = t.start;
      if (word === 'VALUES') {
        return {
          keyword,
          insert: {
            format: 'Values',
            infileAt: settingsAt ?? t.start,
            formatAt: t.start,
            dataStart: t.end,
          },
        };
      }
      if (word === 'FORMAT' && previous !== 'INTO' && previous !== 'TABLE') {
        const name = nextToken(buf, t.end);
        if (!name || name.kind === 'open' || name.kind === 'close' || name.kind === 'other') {
          return { keyword };
        }
        return {
          keyword,
          insert: {
            format: identifier(buf, name),
            infileAt: settingsAt ?? t.start,
            formatAt: t.start,
            dataStart: dataStartAfter(buf, name.end),
          },
        };
      }
    } else if (word === 'FORMAT') {
      const name = nextToken(buf, t.end);
      if (name && (name.kind === 'word' || name.kind === 'quoted')) {
        outputFormat = identifier(buf, name);
      }
    }
    previous = word;
  }
  return outputFormat === undefined ? { keyword } : { keyword, outputFormat };
}

/** A ClickHouse string literal for `value` (backslash and quote escaped). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A back-quoted identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
