import type { Totals } from './id-state.js';

/**
 * Reading `COPY … TO STDOUT` text output (tab-separated, one row per line, the id first) without
 * parsing it into rows: the batch goes to ClickHouse as it came (TabSeparated), and only its
 * size, last id and id totals are needed here.
 */

/** Number of lines and the first field of the last line of COPY text output. */
export function describeCopyText(text: string): { rowCount: number; lastKey: string } {
  let rowCount = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rowCount += 1;
  const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const lastKey = text.slice(lastLineStart, text.indexOf('\t', lastLineStart));
  return { rowCount, lastKey };
}

/** Count and id sum of COPY text whose first field is the id. Digits are summed as doubles
 *  while exact (below 2^53) and folded into a BigInt from time to time: one pass, no per-row
 *  allocation. */
export function copyTotals(text: string): Totals {
  let count = 0;
  let sum = 0n;
  let partial = 0;
  for (let start = 0; start < text.length; ) {
    let id = 0;
    let end = start;
    let code = text.charCodeAt(end);
    while (code >= 48 && code <= 57) {
      id = id * 10 + (code - 48);
      code = text.charCodeAt(++end);
    }
    if (end - start > 15 || code !== 9) {
      // Not a short unsigned integer: exact but slow.
      sum += BigInt(text.slice(start, text.indexOf('\t', start)));
    } else {
      partial += id;
      if (partial > 2 ** 52) {
        sum += BigInt(partial);
        partial = 0;
      }
    }
    count += 1;
    const newline = text.indexOf('\n', end);
    if (newline === -1) break;
    start = newline + 1;
  }
  return { count: String(count), sum: String(sum + BigInt(partial)) };
}
