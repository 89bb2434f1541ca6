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
