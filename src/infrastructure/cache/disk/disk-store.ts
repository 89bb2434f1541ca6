import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FortitudeError } from '../../../core/errors.js';
import { capTtlMs, systemClock } from '../cache-store.js';
import type { CacheClock, CacheEntry, CacheLogger, CacheStore, CacheStoreStats } from '../cache-store.js';
import { DiskIndex } from './disk-index.js';
import type { IndexedEntry } from './disk-index.js';
import { decodeHeader, encodeEntry, ENTRY_SUFFIX, entryPath, HEADER_READ_BYTES, MAX_KEY_LENGTH } from './entry-file.js';
import { KeyLock } from './key-lock.js';

/**
 * The L3 level (the seed's `caching.levels.disk`). One process owns a directory: the index lives
 * in this process's memory (rebuilt from the files on start), so replicas need their own directories.
 */
export interface DiskCacheOptions {
  /** Where entries live, e.g. `./.fortitude/cache`. Created if missing. */
  directory: string;
  /** Bound on the bytes of all entry files; least recently used entries are evicted past it. */
  maxSizeBytes: number;
  /** Longest TTL this level keeps an entry, seconds (0 = no cap). */
  ttlSeconds: number;
  /** Time between sweeps that delete expired files, ms; 0 disables the sweeper. */
  cleanupIntervalMs: number;
  clock?: CacheClock;
}

export interface DiskCacheDeps {
  logger?: CacheLogger;
}

const TMP_DIRECTORY = 'tmp';
const REBUILD_CONCURRENCY = 32;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export class DiskCacheStore implements CacheStore {
  readonly level = 'disk' as const;
  readonly #options: DiskCacheOptions;
  readonly #clock: CacheClock;
  readonly #logger: CacheLogger | undefined;
  readonly #maxBytes: number;
  readonly #index = new DiskIndex();
  readonly #locks = new KeyLock();
  readonly #ready: Promise<void>;
  readonly #shards = new Set<string>();
  #sweeper: NodeJS.Timeout | undefined;
  #healthy = true;
  #closed = false;
  #counters = { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, errors: 0, expired: 0, rebuiltEntries: 0 };

  constructor(options: DiskCacheOptions, deps: DiskCacheDeps = {}) {
    if (!(options.maxSizeBytes >= 1)) {
      throw new FortitudeError('config_invalid', `disk cache maxSizeBytes (caching.levels.disk.max_size_mb) must be positive (got ${options.maxSizeBytes})`);
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = deps.logger;
    this.#maxBytes = Math.floor(options.maxSizeBytes);
    this.#ready = this.#rebuild();
    // A failed rebuild leaves an empty index; the level still works for new entries.
    this.#ready.catch((error: unknown) => this.#fail(error, 'rebuild'));
    if (options.cleanupIntervalMs > 0) {
      this.#sweeper = setInterval(() => void this.sweep(), options.cleanupIntervalMs);
      this.#sweeper.unref();
    }
  }

  /** Resolves once the index has been rebuilt from the directory. */
  async ready(): Promise<void> {
    await this.#ready.catch(() => undefined);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.getEntry(key))?.value;
  }

  async getEntry(key: string): Promise<CacheEntry | undefined> {
    await this.ready();
    const indexed = this.#index.get(key);
    if (!indexed || this.#closed) return this.#miss();
    if (indexed.expiresAt <= this.#clock.now()) {
      this.#counters.expired++;
      this.#drop(key, indexed);
      return this.#miss();
    }
    try {
      const buffer = await readFile(indexed.path);
      const decoded = decodeHeader(buffer);
      if (!decoded || decoded.header.key !== key) {
        this.#drop(key, indexed);
        return this.#miss();
      }
      this.#index.touch(key);
      // The file's mtime records recency, so LRU order survives a restart.
      const now = new Date();
      utimes(indexed.path, now, now).catch(() => undefined);
      this.#counters.hits++;
      return { value: buffer.subarray(decoded.bodyOffset).toString('utf8'), expiresAt: decoded.header.expiresAt };
    } catch (error) {
      if (isMissing(error)) {
        if (this.#index.get(key) === indexed) this.#index.remove(key);
      } else {
        this.#fail(error, 'read');
      }
      return this.#miss();
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = capTtlMs(ttlMs, this.#options.ttlSeconds);
    if (ttl <= 0 || key.length > MAX_KEY_LENGTH) return false;
    await this.ready();
    if (this.#closed) return false;
    const expiresAt = this.#clock.now() + ttl;
    const body = encodeEntry(key, value, expiresAt);
    if (body.length > this.#maxBytes) return false;
    const path = entryPath(this.#options.directory, key);
    try {
      await this.#locks.run(key, async () => {
        await this.#writeAtomically(path, body);
        this.#index.put(key, { path, bytes: body.length, expiresAt });
      });
      this.#counters.sets++;
      this.#healthy = true;
      this.#evictOverflow();
      return true;
    } catch (error) {
      this.#fail(error, 'write');
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await this.ready();
    const indexed = this.#index.get(key);
    if (!indexed) return;
    this.#counters.deletes++;
    await this.#locks.run(key, async () => {
      this.#index.remove(key);
      await unlink(indexed.path).catch(() => undefined);
    });
  }

  async has(key: string): Promise<boolean> {
    await this.ready();
    const indexed = this.#index.get(key);
    return indexed !== undefined && indexed.expiresAt > this.#clock.now();
  }

  async clear(namespace?: string): Promise<void> {
    await this.ready();
    const doomed = this.#index.entries().filter(([key]) => namespace === undefined || key.startsWith(namespace));
    await Promise.all(doomed.map(([key, entry]) => this.#remove(key, entry)));
  }

  /** Deletes expired entries now; the `cleanup_interval` timer calls this. Returns how many. */
  async sweep(): Promise<number> {
    await this.ready();
    const now = this.#clock.now();
    const expired = this.#index.entries().filter(([, entry]) => entry.expiresAt <= now);
    this.#counters.expired += expired.length;
    await Promise.all(expired.map(([key, entry]) => this.#remove(key, entry)));
    return expired.length;
  }

  /** Resolves when pending file deletions (evictions, expiries) have finished. */
  async flush(): Promise<void> {
    await this.#locks.drain();
  }

  async stats(): Promise<CacheStoreStats> {
    const { hits, misses, sets, deletes, evictions, errors, expired, rebuiltEntries } = this.#counters;
    return {
      level: this.level,
      healthy: this.#healthy,
      hits,
      misses,
      sets,
      deletes,
      evictions,
      errors,
      entries: this.#index.size,
      usedBytes: this.#index.bytes,
      maxBytes: this.#maxBytes,
      extra: { expired, rebuiltEntries },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    await this.ready();
    await this.#locks.drain();
  }

  #miss(): undefined {
    this.#counters.misses++;
    return undefined;
  }

  #fail(error: unknown, operation: string): void {
    this.#counters.errors++;
    if (this.#healthy) {
      this.#logger?.warn(
        { cacheLevel: 'disk', operation, error: error instanceof Error ? error.message : String(error) },
        'disk cache level failing; entries are skipped until a write succeeds',
      );
    }
    this.#healthy = false;
  }

  /** Removes `key` from the index and its file, unless a newer write replaced it meanwhile. */
  #remove(key: string, entry: IndexedEntry): Promise<void> {
    if (this.#index.get(key) === entry) this.#index.remove(key);
    return this.#locks.run(key, async () => {
      if (this.#index.get(key) === undefined) await unlink(entry.path).catch(() => undefined);
    });
  }

  #drop(key: string, entry: IndexedEntry): void {
    void this.#remove(key, entry);
  }

  #evictOverflow(): void {
    while (this.#index.bytes > this.#maxBytes) {
      const oldest = this.#index.oldest();
      if (oldest === undefined) break;
      const entry = this.#index.get(oldest);
      if (!entry) break;
      this.#counters.evictions++;
      this.#drop(oldest, entry);
    }
  }

  async #writeAtomically(path: string, body: Buffer): Promise<void> {
    const shard = dirname(path);
    if (!this.#shards.has(shard)) {
      await mkdir(shard, { recursive: true });
      this.#shards.add(shard);
    }
    const temporary = join(this.#options.directory, TMP_DIRECTORY, `${randomUUID()}.tmp`);
    try {
      await writeFile(temporary, body);
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      if (isMissing(error)) this.#shards.delete(shard);
      throw error;
    }
  }

  async #rebuild(): Promise<void> {
    const root = this.#options.directory;
    await rm(join(root, TMP_DIRECTORY), { recursive: true, force: true });
    await mkdir(join(root, TMP_DIRECTORY), { recursive: true });
    const found: Array<{ key: string; entry: IndexedEntry; mtimeMs: number }> = [];
    const now = this.#clock.now();
    for (const shard of await readdir(root)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const shardPath = join(root, shard);
      this.#shards.add(shardPath);
      const files = (await readdir(shardPath)).filter((name) => name.endsWith(ENTRY_SUFFIX));
      for (let start = 0; start < files.length; start += REBUILD_CONCURRENCY) {
        const batch = files.slice(start, start + REBUILD_CONCURRENCY).map((name) => join(shardPath, name));
        const results = await Promise.all(batch.map((path) => this.#readIndexEntry(path, now)));
        for (const result of results) if (result) found.push(result);
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { key, entry } of found) this.#index.put(key, entry);
    this.#counters.rebuiltEntries = found.length;
    this.#evictOverflow();
  }

  /** Reads one file's header; deletes files that are expired, unreadable or misplaced. */
  async #readIndexEntry(path: string, now: number): Promise<{ key: string; entry: IndexedEntry; mtimeMs: number } | undefined> {
    try {
      const handle = await open(path, 'r');
      let header: ReturnType<typeof decodeHeader>;
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_READ_BYTES), 0, HEADER_READ_BYTES, 0);
        header = decodeHeader(buffer.subarray(0, bytesRead));
      } finally {
        await handle.close();
      }
      const info = await stat(path);
      const valid = header && header.header.expiresAt > now && basename(entryPath(this.#options.directory, header.header.key)) === basename(path);
      if (!header || !valid) {
        await unlink(path).catch(() => undefined);
        return undefined;
      }
      return { key: header.header.key, entry: { path, bytes: info.size, expiresAt: header.header.expiresAt }, mtimeMs: info.mtimeMs };
    } catch {
      return undefined;
    }
  }
}

export function createDiskCacheStore(options: DiskCacheOptions, deps: DiskCacheDeps = {}): DiskCacheStore {
  return new DiskCacheStore(options, deps);
}
