/**
 * Stage 1: YAML text → data plus a way back from any data path to its line and column.
 * The `yaml` package's Document keeps every node's source range; a LineCounter turns offsets into
 * 1-based line:col.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { type Diagnostic, diagnostic } from './diagnostics.js';

export type DataPath = readonly (string | number)[];

export interface ParsedFile {
  file: string;
  text: string;
  /** The plain data; undefined when the YAML has any error (a partial document is not checked). */
  data: unknown;
  document: Document;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

/** More alias expansions than this in one file is an alias bomb, not a spec. */
export const MAX_ALIAS_COUNT = 1000;

/**
 * Parses a file. With `bytes` (the file as read from disk) the text is decoded from them and a
 * file that is not UTF-8 is reported (E035) instead of having its bad bytes silently replaced.
 */
export function parseYaml(
  file: string,
  text: string,
  bytes?: Uint8Array,
): { parsed: ParsedFile; diagnostics: Diagnostic[] } {
  if (bytes !== undefined) {
    const problem = utf8Problem(file, bytes);
    if (problem !== null) {
      const lineCounter = new LineCounter();
      const document = parseDocument('', { lineCounter });
      return {
        parsed: { file, text: '', data: undefined, document, lineCounter },
        diagnostics: [problem],
      };
    }
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: dates stay strings, `yes`/`no` stay strings; duplicate keys are errors.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    diagnostics.push(
      diagnostic('E001', { file, line, col }, { problem: yamlMessage(error.message) }),
    );
  }
  let data: unknown;
  if (document.errors.length === 0) {
    try {
      data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // The yaml package throws a ReferenceError without a position for "billion laughs".
      if (!(error instanceof ReferenceError)) throw error;
      const { line, col } = lineCounter.linePos(firstAliasOffset(document));
      diagnostics.push(diagnostic('E032', { file, line, col }, { limit: MAX_ALIAS_COUNT }));
    }
  }
  return { parsed: { file, text, data, document, lineCounter }, diagnostics };
}

/** Offset of the first alias (`*name`) in the document, where an alias bomb starts going off. */
function firstAliasOffset(document: Document): number {
  let offset = 0;
  visit(document, {
    Alias(_, node) {
      if (isAlias(node)) offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * E035 at the first byte that is not UTF-8, as line:col (col counts characters before it on its
 * line, plus one), or null when the bytes are valid UTF-8.
 */
function utf8Problem(file: string, bytes: Uint8Array): Diagnostic | null {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return null;
  } catch {
    // Not UTF-8: find where, below.
  }
  const offset = firstInvalidUtf8(bytes);
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
  const lines = before.split('\n');
  const line = lines.length;
  const col = [...(lines[lines.length - 1] ?? '')].length + 1;
  const shown = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
  return diagnostic('E035', { file, line, col }, { byte: shown, offset });
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    let length: number;
    let min: number;
    if (byte < 0x80) {
      index += 1;
      continue;
    } else if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else return index;
    if (index + length > bytes.length) return index;
    let codePoint = byte & (0xff >> (length + 1));
    for (let next = 1; next < length; next += 1) {
      const continuation = bytes[index + next] ?? 0;
      if ((continuation & 0xc0) !== 0x80) return index;
      codePoint = (codePoint << 6) | (continuation & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff))
      return index;
    index += length;
  }
  return bytes.length;
}

/** The first line of the yaml package's message, without its own position suffix. */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Where a data path is in the source. With `key`, the position of the map key named by the last
 * path segment (for unknown-key errors). When the path leads past what exists (a missing key), the
 * deepest node that exists is used.
 */
export function locate(
  parsed: ParsedFile,
  path: DataPath,
  options: { key?: boolean } = {},
): Position {
  let node: unknown = parsed.document.contents;
  let found: Node | null = isNodeLike(node) ? node : null;
  for (const [index, segment] of path.entries()) {
    const step = child(node, segment);
    if (step === null) break;
    if (index === path.length - 1 && options.key && isNodeLike(step.key)) {
      found = step.key;
      break;
    }
    node = step.value;
    if (!isNodeLike(node)) break;
    found = node;
  }
  const offset = found?.range?.[0] ?? 0;
  return parsed.lineCounter.linePos(offset);
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** Whether the data path exists in the document (a key that is present, even with a null value). */
export function hasPath(parsed: ParsedFile, path: DataPath): boolean {
  let node: unknown = parsed.document.contents;
  for (const segment of path) {
    const step = child(node, segment);
    if (step === null) return false;
    node = step.value;
  }
  return true;
}

/**
 * One step down a path: the value of a map's key (and the key node itself), or a list's item.
 * Null when the step leads nowhere: a missing key, an index past the end, or a scalar.
 */
function child(node: unknown, segment: string | number): { key?: unknown; value: unknown } | null {
  if (isMap(node)) {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
    );
    return pair ? { key: pair.key, value: pair.value } : null;
  }
  if (isSeq(node) && typeof segment === 'number' && segment < node.items.length)
    return { value: node.items[segment] };
  return null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
