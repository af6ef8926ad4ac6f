/**
 * WAL positions (LSNs) and the `_version` CDC mode writes (pure).
 *
 * A raw table is a ReplacingMergeTree(_version): the row with the highest version per id wins.
 * CDC mode derives every version from the commit LSN of the transaction that made the change,
 * so replaying a transaction after a crash writes the very same versions (idempotent) and the
 * order of versions is the order PostgreSQL committed in, whatever the process or the clock.
 *
 *   _version = CDC_VERSION_BASE + commitLsn × 256 + step
 *
 * - CDC_VERSION_BASE (2^62) puts every CDC version above every version the watermark mode
 *   writes (load time in µs, about 2^51 today), so switching a warehouse from watermark to CDC
 *   mode lets CDC's rows win without rewriting the rows already there. The reverse switch needs
 *   a reload (README, and `cdc/guard.ts` refuses it).
 * - `step` orders what one transaction does: its row changes at odd steps, the tombstones of a
 *   TRUNCATE at the even step between the changes before and after it (a transaction may
 *   truncate, then insert again). Step 0 at the slot's consistent point is the snapshot's:
 *   every streamed commit lies at or after that point, so its changes outrank the snapshot.
 * - LSNs stay below 2^54 (16 PiB of WAL) for the sum to fit UInt64; `cdcVersion` checks.
 */

export const CDC_VERSION_BASE = 1n << 62n;
const STEP_BITS = 8n;
const MAX_STEP = (1n << STEP_BITS) - 1n;
const MAX_LSN = (1n << (64n - 2n - STEP_BITS)) - 1n;

/** `16/B374D848` → 0x16B374D848. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new Error(`not a PostgreSQL LSN: "${text}"`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** 0x16B374D848 → `16/B374D848` (PostgreSQL's own spelling). */
export function formatLsn(lsn: bigint): string {
  const high = (lsn >> 32n).toString(16).toUpperCase();
  const low = (lsn & 0xffffffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}

/** The version of step `step` of the transaction committed at `commitLsn`. */
export function cdcVersion(commitLsn: bigint, step: number): bigint {
  if (commitLsn > MAX_LSN) throw new Error(`LSN ${formatLsn(commitLsn)} is beyond 2^54`);
  if (step < 0 || BigInt(step) > MAX_STEP) {
    throw new Error(`step ${step} is out of range: a transaction may truncate at most 127 times`);
  }
  return CDC_VERSION_BASE + (commitLsn << STEP_BITS) + BigInt(step);
}

/** The snapshot taken at the slot's consistent point. */
export function snapshotVersion(consistentPoint: bigint): bigint {
  return cdcVersion(consistentPoint, 0);
}
