import { describe, expect, it } from 'vitest';
import { randomText, randomUuid, timeOrderedUuid } from './random-id.js';

describe('randomText', () => {
  it('gives distinct ids of the requested size across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, () => randomText(12, 'base64url'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(randomText(12, 'hex')).toMatch(/^[0-9a-f]{24}$/);
    expect(randomText(5_000, 'hex')).toHaveLength(10_000);
  });
});

describe('randomUuid', () => {
  it('gives distinct version 4 UUIDs across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, () => randomUuid());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('timeOrderedUuid', () => {
  it('gives distinct version 7 UUIDs that carry their millisecond and sort by it', () => {
    const start = Date.UTC(2026, 11, 7, 17, 0, 0, 123);
    const ids = Array.from({ length: 2_000 }, (_, index) => timeOrderedUuid(start + Math.floor(index / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const epochMsOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ids.map(epochMsOf)).toEqual(ids.map((_, index) => start + Math.floor(index / 10)));
    // Across milliseconds the text order is the time order (within one millisecond it is random).
    for (let index = 10; index < ids.length; index += 10) expect(ids[index - 1]! < ids[index]!).toBe(true);
    expect(timeOrderedUuid(0).startsWith('00000000-0000-7')).toBe(true);
  });
});
