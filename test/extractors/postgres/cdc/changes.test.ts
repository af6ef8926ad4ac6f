/**
 * The pure half of CDC mode: LSN arithmetic, the versions that order changes, and how pgoutput
 * messages become rows (collapsing per id, tombstones, a changed id, truncates, values PostgreSQL
 * did not send).
 */
import type { Pgoutput } from 'pg-logical-replication';
import { describe, expect, test } from 'vitest';
import { ChangeBatch, ChangeDecoder } from '../../../../extractors/postgres/cdc/changes.js';
import {
  CDC_VERSION_BASE,
  cdcVersion,
  formatLsn,
  parseLsn,
  snapshotVersion,
} from '../../../../extractors/postgres/cdc/lsn.js';
import { cdcTables } from '../../../../extractors/postgres/cdc/tables.js';
import { streams } from '../../../../extractors/postgres/streams.js';

const tables = cdcTables(streams);
const impressions = tables.find((t) => t.name === 'impressions');

function relation(name: string, columns: string[]): Pgoutput.MessageRelation {
  return {
    tag: 'relation',
    relationOid: name.length,
    schema: 'public',
    name,
    replicaIdentity: 'default',
    columns: columns.map((column) => ({
      name: column,
      flags: column === 'id' ? 1 : 0,
      typeOid: 25,
      typeMod: -1,
      typeSchema: null,
      typeName: null,
      parser: (raw: unknown) => raw,
    })),
    keyColumns: ['id'],
  };
}

const rel = relation('impressions', ['id', 'campaign_id', 'created_at']);
const begin = (lsn: string): Pgoutput.MessageBegin => ({
  tag: 'begin',
  commitLsn: lsn,
  commitTime: 0n,
  xid: 1,
});
const commit = (lsn: string, end: string): Pgoutput.MessageCommit => ({
  tag: 'commit',
  flags: 0,
  commitLsn: lsn,
  commitEndLsn: end,
  commitTime: 0n,
});
const row = (id: string, campaign = '1', at = '2024-01-01 00:00:00.000001') => ({
  id,
  campaign_id: campaign,
  created_at: at,
});

function decoder() {
  const batch = new ChangeBatch();
  const d = new ChangeDecoder('public', tables, batch);
  d.apply(rel);
  return { d, batch };
}

describe('LSNs and versions', () => {
  test('parse and format round-trip PostgreSQL spelling', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(parseLsn('0/0')).toBe(0n);
    expect(() => parseLsn('16-B3')).toThrow(/not a PostgreSQL LSN/);
  });

  test('versions: above any watermark version, ordered by commit, then by step', () => {
    const watermarkNow = BigInt(Date.now()) * 1000n;
    expect(snapshotVersion(1n)).toBeGreaterThan(watermarkNow * 1000n);
    expect(CDC_VERSION_BASE).toBe(2n ** 62n);
    // A later commit outranks every step of an earlier one; the snapshot at a consistent point
    // is outranked by every change committed at or after it.
    expect(cdcVersion(101n, 0)).toBeGreaterThan(cdcVersion(100n, 255));
    expect(cdcVersion(100n, 1)).toBeGreaterThan(snapshotVersion(100n));
    expect(cdcVersion(100n, 2)).toBeGreaterThan(cdcVersion(100n, 1));
    expect(() => cdcVersion(100n, 256)).toThrow(/at most 127 times/);
    expect(() => cdcVersion(1n << 60n, 1)).toThrow(/beyond 2\^54/);
  });
});

describe('ChangeDecoder', () => {
  test('the last change per id wins; a delete carries the earlier values of the batch', () => {
    const { d, batch } = decoder();
    d.apply(begin('0/100'));
    d.apply({ tag: 'insert', relation: rel, new: row('1') });
    d.apply({ tag: 'update', relation: rel, key: null, old: null, new: row('1', '2') });
    d.apply(commit('0/100', '0/180'));
    d.apply(begin('0/200'));
    d.apply({ tag: 'delete', relation: rel, key: { id: '1' }, old: null });
    d.apply(commit('0/200', '0/280'));
    expect(d.committedEnd).toBe(0x280n);
    expect(d.changes).toBe(3);
    const rows = batch.take().get('impressions');
    expect(rows).toEqual([
      {
        values: row('1', '2'),
        deleted: 1,
        version: cdcVersion(0x200n, 1),
        missing: [],
      },
    ]);
    expect(batch.size).toBe(0);
  });

  test('a key-only delete of a row not in the batch lists the values to look up', () => {
    const { d, batch } = decoder();
    d.apply(begin('0/100'));
    d.apply({ tag: 'delete', relation: rel, key: { id: '9' }, old: null });
    d.apply({
      tag: 'update',
      relation: rel,
      key: null,
      old: null,
      new: { ...row('8'), created_at: undefined },
    });
    const rows = batch.take().get('impressions') ?? [];
    expect(rows.map((r) => [r.values.id, r.deleted, r.missing])).toEqual([
      ['9', 1, ['campaign_id', 'created_at']],
      ['8', 0, ['created_at']],
    ]);
  });

  test('a changed id tombstones the old id', () => {
    const { d, batch } = decoder();
    d.apply(begin('0/100'));
    d.apply({ tag: 'update', relation: rel, key: { id: '13' }, old: null, new: row('99') });
    const rows = batch.take().get('impressions') ?? [];
    expect(rows.map((r) => [r.values.id, r.deleted])).toEqual([
      ['13', 1],
      ['99', 0],
    ]);
  });

  test('a truncate asks for tombstones between the changes before and after it', () => {
    const { d, batch } = decoder();
    d.apply(begin('0/300'));
    d.apply({ tag: 'insert', relation: rel, new: row('1') });
    const action = d.apply({
      tag: 'truncate',
      cascade: false,
      restartIdentity: false,
      relations: [rel],
    });
    expect(action).toEqual({
      kind: 'truncate',
      tables: [impressions],
      version: cdcVersion(0x300n, 2),
    });
    d.apply({ tag: 'insert', relation: rel, new: row('2') });
    const rows = batch.take().get('impressions') ?? [];
    expect(rows.map((r) => [r.values.id, r.version])).toEqual([
      ['1', cdcVersion(0x300n, 1)],
      ['2', cdcVersion(0x300n, 3)],
    ]);
  });

  test('tables outside the run are ignored; a table that lost a column fails', () => {
    const { d, batch } = decoder();
    const other = relation('audit', ['id']);
    d.apply(other);
    d.apply(begin('0/100'));
    d.apply({ tag: 'insert', relation: other, new: { id: '1' } });
    expect(batch.size).toBe(0);
    expect(() => d.apply(relation('impressions', ['id', 'campaign_id']))).toThrow(
      /no longer has column\(s\) created_at/,
    );
  });
});
