import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * One cache entry per file: a JSON header line (`{"k":key,"e":expiresAt}`) then the value as
 * UTF-8. The header lets the index be rebuilt from the files alone after a restart.
 */

/** Longest key the disk level accepts; the header must fit in one small read on rebuild. */
export const MAX_KEY_LENGTH = 1024;
/** Bytes read from each file when rebuilding the index (header only). */
export const HEADER_READ_BYTES = 4096;
export const ENTRY_SUFFIX = '.entry';

export interface EntryHeader {
  key: string;
  expiresAt: number;
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `<root>/<first two hex digits>/<sha256>.entry`: 256 shards keep directories small. */
export function entryPath(root: string, key: string): string {
  const hash = keyHash(key);
  return join(root, hash.slice(0, 2), hash + ENTRY_SUFFIX);
}

export function encodeEntry(key: string, value: string, expiresAt: number): Buffer {
  return Buffer.from(`${JSON.stringify({ k: key, e: expiresAt })}\n${value}`, 'utf8');
}

/** Parses the header at the start of `buffer`; undefined for a file that is not an entry. */
export function decodeHeader(buffer: Buffer): { header: EntryHeader; bodyOffset: number } | undefined {
  const newline = buffer.indexOf(0x0a);
  if (newline < 0) return undefined;
  try {
    const parsed = JSON.parse(buffer.subarray(0, newline).toString('utf8')) as { k?: unknown; e?: unknown };
    if (typeof parsed.k !== 'string' || typeof parsed.e !== 'number') return undefined;
    return { header: { key: parsed.k, expiresAt: parsed.e }, bodyOffset: newline + 1 };
  } catch {
    return undefined;
  }
}
