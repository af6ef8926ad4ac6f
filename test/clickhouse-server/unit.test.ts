/** The pure parts: splitting SQL from data byte-wise, log redaction, compression negotiation. */
import { describe, expect, it } from 'vitest';
import { negotiateResponseEncoding } from '../../clickhouse-server/compression.js';
import {
  ClickHouseHttpError,
  httpStatusFor,
  toClickHouseError,
} from '../../clickhouse-server/errors.js';
import { formatRequestLog, redact } from '../../clickhouse-server/log.js';
import { scanStatement } from '../../clickhouse-server/statement.js';

const scan = (text: string | Buffer) =>
  scanStatement(Buffer.isBuffer(text) ? text : Buffer.from(text));

describe('scanStatement', () => {
  it('finds an INSERT’s format and where its (binary) data starts', () => {
    const body = Buffer.concat([
      Buffer.from('INSERT INTO db.t (`a`, "b") FORMAT Native\n'),
      Buffer.from([0x0a, 0x0a, 0x00, 0xff, 0x27]),
    ]);
    const s = scan(body);
    expect(s.keyword).toBe('INSERT');
    expect(s.insert).toMatchObject({ format: 'Native' });
    expect(body.subarray(s.insert!.dataStart)).toEqual(Buffer.from([0x0a, 0x0a, 0x00, 0xff, 0x27]));
  });

  it('puts FROM INFILE before a SETTINGS clause', () => {
    const sql = 'INSERT INTO t SETTINGS async_insert = 0 FORMAT CSV 1,2';
    const s = scan(sql);
    expect(sql.slice(s.insert!.infileAt)).toMatch(/^SETTINGS/);
    expect(sql.slice(s.insert!.dataStart)).toBe('1,2');
  });

  it('reads VALUES as the Values format; INSERT … SELECT carries no data', () => {
    expect(scan("INSERT INTO t VALUES (1, 'FORMAT x')").insert).toMatchObject({ format: 'Values' });
    expect(scan('INSERT INTO t SELECT * FROM s FORMAT CSV').insert).toBeUndefined();
  });

  it('ignores FORMAT inside strings, comments and parentheses', () => {
    expect(scan("SELECT 'FORMAT CSV' -- FORMAT TSV\n FORMAT JSON").outputFormat).toBe('JSON');
    expect(scan('SELECT * FROM (SELECT 1 FORMAT CSV)').outputFormat).toBeUndefined();
    expect(scan('USE `my db`').useDatabase).toBe('my db');
  });
});

describe('errors', () => {
  it('keeps the engine’s code and name, and maps the HTTP status as ClickHouse does', () => {
    const e = toClickHouseError(
      new Error("Code: 60. DB::Exception: Table x doesn't exist. (UNKNOWN_TABLE)"),
    );
    expect(e).toMatchObject({
      code: 60,
      codeName: 'UNKNOWN_TABLE',
      message: "Table x doesn't exist",
    });
    expect(httpStatusFor(e)).toBe(404);
    expect(httpStatusFor(new ClickHouseHttpError(62, 'x', 'SYNTAX_ERROR'))).toBe(400);
    expect(httpStatusFor(new ClickHouseHttpError(516, 'x'))).toBe(403);
    expect(httpStatusFor(new ClickHouseHttpError(202, 'x'))).toBe(500);
  });
});

describe('log', () => {
  it('never carries a password', () => {
    expect(redact('http://u:hunter2@h/?password=hunter2&x=1')).not.toContain('hunter2');
    expect(redact('Authorization: Basic dTpw')).not.toContain('dTpw');
    const line = formatRequestLog({
      method: 'GET',
      path: '/',
      status: 200,
      duration_ms: 1,
      sql: 'x'.repeat(500),
    });
    expect(JSON.parse(line).sql.length).toBeLessThanOrEqual(201);
  });
});

it('negotiates a response encoding Node can write', () => {
  expect(negotiateResponseEncoding('lz4,zstd,gzip,deflate')).toBe('gzip');
  expect(negotiateResponseEncoding('br;q=1, gzip;q=0')).toBe('br');
  expect(negotiateResponseEncoding('lz4')).toBeUndefined();
});
