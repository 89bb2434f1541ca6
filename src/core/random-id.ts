import { randomBytes } from 'node:crypto';

/** Bytes drawn from the OS per refill; ids take 12 each, so one refill serves ~340 responses. */
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `bytes` cryptographically random bytes as text, from a pool refilled with one `randomBytes`
 * call: a call per id (a response id on every gateway answer) cost more than the id is worth.
 * Each byte is used once.
 */
export function randomText(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    offset = 0;
  }
  const text = pool.toString(encoding, offset, offset + bytes);
  offset += bytes;
  return text;
}

/** Two lowercase hex characters per byte value. */
const HEX_PAIRS = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  HEX_PAIRS[2 * byte] = '0123456789abcdef'.charCodeAt(byte >> 4);
  HEX_PAIRS[2 * byte + 1] = '0123456789abcdef'.charCodeAt(byte & 0x0f);
}
/** The 36 characters of one UUID, written in place (one string allocated per id). */
const uuidText = Buffer.alloc(36);

/**
 * A random (version 4) UUID, from the same pool as `randomText`: `crypto.randomUUID` builds its
 * text from a dozen pieces (about 590 bytes allocated per id, and a gateway request takes two:
 * its id and its request row's); this writes the 36 characters into one buffer and allocates
 * only the string (about 60 bytes), at about the same CPU.
 */
export function randomUuid(): string {
  return uuidFromPool(4, -1);
}

/**
 * A time-ordered (version 7, RFC 9562) UUID: the first 48 bits are `epochMs`, the other 74 random
 * (same pool). As a B-tree key (a table's primary key) ids made in time order are appended at the
 * index's right edge instead of landing on a random page each: on SQLite, a batch of 200 request
 * rows dirtied ~180 pages of a random-id index against ~45 in all, and the random index's cost
 * grew with the table (bench/RESULTS.md, "Request records").
 */
export function timeOrderedUuid(epochMs: number): string {
  return uuidFromPool(7, Math.max(0, Math.trunc(epochMs)));
}

function uuidFromPool(version: 4 | 7, epochMs: number): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  // The timestamp's six bytes, most significant first (48 bits: beyond 32-bit integer operations).
  const high = version === 7 ? Math.floor(epochMs / 0x1_0000_0000) : 0;
  const low = version === 7 ? epochMs % 0x1_0000_0000 : 0;
  let at = 0;
  for (let index = 0; index < 16; index++) {
    let byte = pool[offset + index]!;
    if (version === 7 && index < 6) byte = index < 2 ? (high >>> (8 * (1 - index))) & 0xff : (low >>> (8 * (5 - index))) & 0xff;
    else if (index === 6) byte = (byte & 0x0f) | (version << 4);
    else if (index === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    if (index === 4 || index === 6 || index === 8 || index === 10) uuidText[at++] = 0x2d; // '-'
    uuidText[at++] = HEX_PAIRS[2 * byte]!;
    uuidText[at++] = HEX_PAIRS[2 * byte + 1]!;
  }
  offset += 16;
  return uuidText.toString('latin1', 0, 36);
}
