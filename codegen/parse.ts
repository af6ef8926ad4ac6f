/**
 * Stage 1: YAML text → data plus a way back from any data path to its line and column.
 * The `yaml` package's Document keeps every node's source range; a LineCounter turns offsets into
 * 1-based line:col.
 */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import type { Diagnostic } from './diagnostics.js';

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

export function parseYaml(
  file: string,
  text: string,
): { parsed: ParsedFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: dates stay strings, `yes`/`no` stay strings; duplicate keys are errors.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    diagnostics.push({
      file,
      line,
      col,
      code: 'E001',
      message: `YAML syntax: ${yamlMessage(error.message)}`,
    });
  }
  const data = document.errors.length === 0 ? document.toJS({ maxAliasCount: 1000 }) : undefined;
  return { parsed: { file, text, data, document, lineCounter }, diagnostics };
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
