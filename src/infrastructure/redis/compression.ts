import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompress, brotliDecompressSync, constants, gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';

/**
 * Values stored in Redis carry a one-byte marker so a reader knows how to decode them,
 * whatever the writer's `compression` setting was (replicas may be configured differently).
 */
export const COMPRESSION_MARKER = { none: 0x00, gzip: 0x01, brotli: 0x02 } as const;

export type CompressionAlgorithm = 'gzip' | 'brotli';

export interface CompressionOptions {
  /** `true` means gzip; `false` stores every value raw (still with the marker byte). */
  compression: boolean | CompressionAlgorithm;
  /** Values shorter than this many UTF-8 bytes are stored raw: compressing them costs more than it saves. */
  thresholdBytes: number;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);

/**
 * Payloads up to this size are (de)compressed synchronously: for a few kB that takes tens of
 * µs, less than the hop to libuv's thread pool (measured in bench/cache-l1.ts). Larger ones go
 * to the pool so they do not block the event loop.
 */
export const SYNC_LIMIT_BYTES = 128 * 1024;

/** Brotli quality 5 compresses JSON close to gzip -9 at gzip -6 speed. */
const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

export function compressionAlgorithm(setting: boolean | CompressionAlgorithm): CompressionAlgorithm | undefined {
  if (setting === true) return 'gzip';
  if (setting === false) return undefined;
  return setting;
}

function compressSync(algorithm: CompressionAlgorithm, raw: Buffer): Buffer {
  return algorithm === 'gzip' ? gzipSync(raw) : brotliCompressSync(raw, BROTLI_OPTIONS);
}

function compressAsync(algorithm: CompressionAlgorithm, raw: Buffer): Promise<Buffer> {
  return algorithm === 'gzip' ? gzipAsync(raw) : brotliAsync(raw, BROTLI_OPTIONS);
}

/** Encodes `value` as marker byte + payload; compresses only when it is large and it helps. */
export async function encodeValue(value: string, options: CompressionOptions): Promise<{ buffer: Buffer; compressed: boolean }> {
  const raw = Buffer.from(value, 'utf8');
  const algorithm = compressionAlgorithm(options.compression);
  if (algorithm !== undefined && raw.length >= options.thresholdBytes) {
    const packed = raw.length <= SYNC_LIMIT_BYTES ? compressSync(algorithm, raw) : await compressAsync(algorithm, raw);
    if (packed.length < raw.length) {
      return { buffer: Buffer.concat([Buffer.of(COMPRESSION_MARKER[algorithm]), packed]), compressed: true };
    }
  }
  return { buffer: Buffer.concat([Buffer.of(COMPRESSION_MARKER.none), raw]), compressed: false };
}

/** Decodes a marker-prefixed buffer; throws on an unknown marker (a foreign or corrupt value). */
export async function decodeValue(buffer: Buffer): Promise<string> {
  const marker = buffer[0];
  const payload = buffer.subarray(1);
  switch (marker) {
    case COMPRESSION_MARKER.none:
      return payload.toString('utf8');
    case COMPRESSION_MARKER.gzip:
      return (payload.length <= SYNC_LIMIT_BYTES / 4 ? gunzipSync(payload) : await gunzipAsync(payload)).toString('utf8');
    case COMPRESSION_MARKER.brotli:
      return (payload.length <= SYNC_LIMIT_BYTES / 4 ? brotliDecompressSync(payload) : await unbrotliAsync(payload)).toString('utf8');
    default:
      throw new Error(`unknown cache value marker ${String(marker)}`);
  }
}
