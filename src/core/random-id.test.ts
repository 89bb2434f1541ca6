import { describe, expect, it } from 'vitest';
import { randomText, randomUuid } from './random-id.js';

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
