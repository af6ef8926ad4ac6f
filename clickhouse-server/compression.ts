/**
 * HTTP compression as ClickHouse negotiates it. Request bodies: gzip, deflate and br decode in
 * Node; lz4 and zstd (Node 20 has neither) are handed to the engine, which reads them natively.
 * Responses are compressed only with `enable_http_compression=1`, in the first encoding of the
 * client's Accept-Encoding that Node can write.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ClickHouseHttpError, ErrorCode } from './errors.js';

/** Encodings the engine decodes for us (ClickHouse's names for them). */
export const ENGINE_DECODED = new Set(['lz4', 'zstd']);

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotliCompress = promisify(zlib.brotliCompress);

/** Parses Content-Encoding: undefined for none/identity, the lower-cased name otherwise. */
export function requestEncoding(header: string | undefined): string | undefined {
  const value = header?.trim().toLowerCase();
  if (!value || value === 'identity') return undefined;
  if (value === 'x-gzip') return 'gzip';
  if (['gzip', 'deflate', 'br', 'lz4', 'zstd'].includes(value)) return value;
  throw new ClickHouseHttpError(
    ErrorCode.UNKNOWN_COMPRESSION_METHOD,
    `Unknown HTTP Content-Encoding: ${value.slice(0, 40)}`,
  );
}

/** Decodes a body in an encoding Node can read (not lz4/zstd: see ENGINE_DECODED). */
export async function decodeInNode(body: Buffer, encoding: string): Promise<Buffer> {
  try {
    if (encoding === 'gzip') return await gunzip(body);
    if (encoding === 'deflate') return await inflate(body);
    if (encoding === 'br') return await brotliDecompress(body);
  } catch (error) {
    throw new ClickHouseHttpError(
      ErrorCode.CANNOT_DECOMPRESS,
      `Cannot decompress the request body (${encoding}): ${(error as Error).message}`,
    );
  }
  throw new Error(`decodeInNode: unexpected encoding ${encoding}`);
}

/** Response encodings Node writes, in our order of preference for equal client weights. */
const WRITABLE = ['gzip', 'br', 'deflate'] as const;
export type ResponseEncoding = (typeof WRITABLE)[number];

/** The client's first acceptable encoding that we can write (q=0 excluded), if any. */
export function negotiateResponseEncoding(
  acceptEncoding: string | undefined,
): ResponseEncoding | undefined {
  if (!acceptEncoding) return undefined;
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p))) continue;
    const found = WRITABLE.find((e) => e === name?.trim());
    if (found) return found;
  }
  return undefined;
}

/** Compresses a whole response body; `level` is http_zlib_compression_level (1–9). */
export async function encodeResponse(
  body: Buffer,
  encoding: ResponseEncoding,
  level: number,
): Promise<Buffer> {
  if (encoding === 'gzip') return gzip(body, { level });
  if (encoding === 'deflate') return deflate(body, { level });
  return brotliCompress(body, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: Math.min(11, Math.max(1, level)) },
  });
}
