/**
 * Memoises embeddings by exact text (the `embeddings` caching strategy, in memory): a repeated
 * query skips the embedder, and the cache warmer precomputes common terms into it. Bounded by
 * count with LRU eviction and a TTL (seed: `embeddings.ttl_seconds: 86400`).
 */

import { LRUCache } from 'lru-cache';
import type { Embedder } from './embedder.js';

export interface EmbeddingCacheOptions {
  /** Default 10,000 vectors. */
  maxEntries?: number;
  /** Default 24 h. */
  ttlMs?: number;
}

export interface EmbeddingCache {
  get(text: string): Float32Array | undefined;
  has(text: string): boolean;
  set(text: string, vector: Float32Array): void;
  /** Embeds the texts not cached yet (one embedder call) and returns all vectors in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  readonly size: number;
  clear(): void;
}

export function createEmbeddingCache(embedder: Embedder, options: EmbeddingCacheOptions = {}): EmbeddingCache {
  const cache = new LRUCache<string, Float32Array>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 86_400_000 });
  const keyOf = (text: string) => text.trim();
  return {
    get: (text) => cache.get(keyOf(text)),
    has: (text) => cache.has(keyOf(text)),
    set: (text, vector) => void cache.set(keyOf(text), vector),
    async embed(texts) {
      const found = new Map<string, Float32Array>();
      for (const text of texts) {
        const vector = cache.get(keyOf(text));
        if (vector) found.set(keyOf(text), vector);
      }
      const missing = [...new Set(texts.map(keyOf).filter((text) => !found.has(text)))];
      if (missing.length > 0) {
        const vectors = await embedder.embed(missing);
        missing.forEach((text, index) => {
          found.set(text, vectors[index]!);
          cache.set(text, vectors[index]!);
        });
      }
      return texts.map((text) => found.get(keyOf(text))!);
    },
    get size() {
      return cache.size;
    },
    clear: () => cache.clear(),
  };
}
