import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskCacheStore } from '../../src/infrastructure/cache/disk/disk-store.js';
import type { DiskCacheOptions } from '../../src/infrastructure/cache/disk/disk-store.js';
import { entryPath } from '../../src/infrastructure/cache/disk/entry-file.js';
import { runCacheStoreContract } from './cache-store-contract.js';
import { createFakeClock } from './helpers/fake-clock.js';

const MB = 1024 * 1024;

const root = mkdtempSync(join(tmpdir(), 'fortitude-disk-cache-'));
let counter = 0;
const freshDirectory = (): string => join(root, `store-${counter++}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const clock = createFakeClock();

runCacheStoreContract('disk', {
  create: async (levelTtlSeconds) =>
    new DiskCacheStore({ directory: freshDirectory(), maxSizeBytes: 16 * MB, ttlSeconds: levelTtlSeconds, cleanupIntervalMs: 0, clock }),
  advance: async (ms) => clock.advance(ms),
  now: () => clock.now(),
  toleranceMs: 0,
});

function entryFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.entry'));
}

describe('DiskCacheStore', () => {
  const open = (options: Partial<DiskCacheOptions> & { directory: string }): DiskCacheStore =>
    new DiskCacheStore({ maxSizeBytes: 16 * MB, ttlSeconds: 3600, cleanupIntervalMs: 0, ...options });

  it('survives a restart: entries, expiries and LRU order are rebuilt from the files', async () => {
    const directory = freshDirectory();
    const first = open({ directory });
    await first.set('a', 'alpha', 60_000);
    await first.set('b', 'beta', 60_000);
    await first.set('gone', 'soon', 10);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 30));

    const second = open({ directory });
    await second.ready();
    expect(await second.get('a')).toBe('alpha');
    expect(await second.get('b')).toBe('beta');
    expect(await second.get('gone')).toBeUndefined();
    const stats = await second.stats();
    expect(stats.extra?.rebuiltEntries).toBe(2);
    expect(stats.entries).toBe(2);
    await second.flush();
    expect(entryFiles(directory)).toHaveLength(2);
    await second.close();
  });

  it('enforces maxSizeBytes by evicting the least recently used files', async () => {
    const directory = freshDirectory();
    // 0.005 MB = 5,242 bytes; each entry is ~1,000 bytes plus a header.
    const store = open({ directory, maxSizeBytes: 5242 });
    const value = 'y'.repeat(1000);
    for (let index = 0; index < 4; index++) await store.set(`k${index}`, value, 60_000);
    expect(await store.get('k0')).toBe(value); // k0 becomes most recently used
    for (let index = 4; index < 8; index++) await store.set(`k${index}`, value, 60_000);
    await store.flush();
    const stats = await store.stats();
    expect(stats.usedBytes).toBeLessThanOrEqual(stats.maxBytes!);
    expect(stats.evictions).toBeGreaterThanOrEqual(3);
    expect(await store.get('k0')).toBe(value);
    expect(await store.get('k1')).toBeUndefined();
    expect(await store.get('k7')).toBe(value);
    expect(entryFiles(directory)).toHaveLength(stats.entries!);
    await store.close();
  });

  it('evicts on start when the directory holds more than a smaller maxSizeBytes', async () => {
    const directory = freshDirectory();
    const big = open({ directory, maxSizeBytes: MB });
    for (let index = 0; index < 10; index++) await big.set(`k${index}`, 'z'.repeat(1000), 60_000);
    await big.close();
    const small = open({ directory, maxSizeBytes: 3145 });
    await small.ready();
    await small.flush();
    const stats = await small.stats();
    expect(stats.usedBytes).toBeLessThanOrEqual(stats.maxBytes!);
    expect(entryFiles(directory).length).toBe(stats.entries);
    await small.close();
  });

  it('keeps recency across a restart: a read entry outlives older writes when the bound shrinks', async () => {
    const directory = freshDirectory();
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));
    const first = open({ directory });
    const value = 'r'.repeat(1000);
    await first.set('a', value, 60_000);
    await pause();
    await first.set('b', value, 60_000);
    await pause();
    await first.set('c', value, 60_000);
    await pause();
    expect(await first.get('a')).toBe(value); // bumps a's mtime
    await pause();
    await first.close();
    // Room for two ~1 kB entries: the least recently used (b) must go.
    const second = open({ directory, maxSizeBytes: 2621 });
    await second.ready();
    expect(await second.has('b')).toBe(false);
    expect(await second.has('a')).toBe(true);
    expect(await second.has('c')).toBe(true);
    await second.close();
  });

    it('sweeps expired files on cleanup', async () => {
    const sweepClock = createFakeClock();
    const directory = freshDirectory();
    const store = open({ directory, clock: sweepClock });
    await store.set('short', 'v', 1000);
    await store.set('long', 'v', 60_000);
    sweepClock.advance(5000);
    expect(await store.sweep()).toBe(1);
    await store.flush();
    expect(entryFiles(directory)).toHaveLength(1);
    expect((await store.stats()).extra?.expired).toBe(1);
    await store.close();
  });

  it('runs the sweeper on its cleanupIntervalMs timer', async () => {
    const directory = freshDirectory();
    const store = open({ directory, cleanupIntervalMs: 50 });
    await store.set('short', 'v', 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.flush();
    expect(entryFiles(directory)).toHaveLength(0);
    await store.close();
  });

  it('ignores and removes corrupt or misplaced files on rebuild, and leaves no temp files', async () => {
    const directory = freshDirectory();
    const first = open({ directory });
    await first.set('good', 'ok', 60_000);
    await first.close();
    const goodPath = entryPath(directory, 'good');
    writeFileSync(join(goodPath, '..', 'f'.repeat(64) + '.entry'), 'not an entry');
    writeFileSync(join(directory, 'tmp', 'half-written.tmp'), 'partial');
    const second = open({ directory });
    await second.ready();
    expect(await second.get('good')).toBe('ok');
    expect(entryFiles(directory)).toHaveLength(1);
    expect(readdirSync(join(directory, 'tmp'))).toHaveLength(0);
    await second.close();
  });

  it('serialises concurrent writes of one key so the index matches the file', async () => {
    const directory = freshDirectory();
    const store = open({ directory });
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.set('race', `value-${index}`.padEnd(10 + index, '!'), 60_000)));
    const value = await store.get('race');
    expect(value).toBe('value-19'.padEnd(29, '!'));
    const stats = await store.stats();
    expect(stats.entries).toBe(1);
    await store.close();
  });
});
