/**
 * The semantic cache (the seed's `SemanticCache`): exact normalised key first, then the nearest
 * cached questions of the same partition (namespace + answer-changing context) above the
 * similarity threshold, then the verifier. A hit always says whether it was exact or semantic and
 * with what similarity; a miss lists the candidates the verifier refused and why.
 */

import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { chooseCandidate, type Candidate } from './choose-candidate.js';
import { createEmbeddingCache, type EmbeddingCache } from './embedding-cache.js';
import type { Embedder } from './embedder.js';
import { PartitionedIndex } from './index/partitioned-index.js';
import type { VectorIndexMemory, VectorIndexOptions } from './index/vector-index.js';
import { contextKey, type SemanticContext, type SemanticEntry, type SemanticEntryStore } from './store/semantic-entry-store.js';
import { normaliseQuery } from './text/text-analysis.js';
import { extractFeatures, type QuestionFeatures } from './verification/question-features.js';
import { verifyMatch, type VerificationOptions } from './verification/verify-match.js';

/** Chosen from the labelled-set table in bench/RESULTS-semantic.md. */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.7;
/** Chosen from the same table. */
export const DEFAULT_AMBIGUITY_MARGIN = 0.05;
export const DEFAULT_STRICT_AMBIGUITY = true;
/** Chosen on the train/dev pair splits, shared measure (docs/semantic-cache.md). */
export const DEFAULT_NEAREST_ONLY = true;

export interface SemanticCacheOptions {
  /** Cosine similarity a candidate needs before it is verified. Default `DEFAULT_SIMILARITY_THRESHOLD`. */
  similarityThreshold?: number;
  /** Candidates examined per lookup. Default 5. */
  topK?: number;
  /**
   * When a second, different cached question also passes verification within this similarity of
   * the best, the query is ambiguous and is a miss. 0 disables. Default `DEFAULT_AMBIGUITY_MARGIN`.
   */
  ambiguityMargin?: number;
  /** Let a rejected candidate within the margin make the query ambiguous too. Default `DEFAULT_STRICT_AMBIGUITY`. */
  strictAmbiguity?: boolean;
  /**
   * Serve only the nearest candidate above the threshold: when the verifier refuses it, a farther
   * one is not tried (a refused near-copy vetoes its relatives). Default `DEFAULT_NEAREST_ONLY`.
   */
  nearestOnly?: boolean;
  /** Entry lifetime unless `store` says otherwise. Default 30 min (seed: `query_results.ttl_seconds`). */
  ttlMs?: number;
  /** Verifier settings; `false` serves any candidate above the threshold (measurement only). */
  verification?: VerificationOptions | false;
  /** HNSW/scan settings (the seed's qdrant keys); `dimensions` comes from the embedder. */
  index?: Omit<VectorIndexOptions, 'dimensions'>;
  /** Where `persistIndex()` writes partition graphs and where opening looks for them. */
  indexDirectory?: string;
  /** Remember a verified semantic hit under the query's exact key, as the seed does. Default true. */
  promoteSemanticHits?: boolean;
  /** Bound on remembered promotions. Default 10,000. */
  maxPromotions?: number;
  /** How often expired entries are removed; 0 disables the timer. Default 60 s. */
  sweepIntervalMs?: number;
}

export interface SemanticCacheDeps<V> {
  embedder: Embedder;
  store: SemanticEntryStore<V>;
  /** Defaults to an in-memory memo of 10,000 vectors. */
  embeddingCache?: EmbeddingCache;
  /** Epoch milliseconds. */
  now?: () => number;
}

export interface RejectedCandidate {
  entryId: string;
  question: string;
  similarity: number;
  reasons: string[];
}

export type SemanticLookupResult<V> =
  | { kind: 'exact'; entry: SemanticEntry<V>; similarity: 1; rejected?: undefined }
  | { kind: 'semantic'; entry: SemanticEntry<V>; similarity: number; rejected: RejectedCandidate[] }
  | { kind: 'miss'; entry?: undefined; similarity?: number; rejected: RejectedCandidate[] };

export interface LookupOptions {
  /** Overrides the configured threshold for this lookup. */
  similarityThreshold?: number;
  /** Overrides the configured verification for this lookup. */
  verification?: VerificationOptions | false;
  /** Overrides the configured ambiguity margin for this lookup. */
  ambiguityMargin?: number;
  /** Overrides the configured strict-ambiguity setting for this lookup. */
  strictAmbiguity?: boolean;
  /** Skip promotion bookkeeping (measurement). */
  promote?: boolean;
  /** Verify candidates that cannot be served anyway (measurement: the pre-pruning baseline). */
  verifyAll?: boolean;
  /** Overrides the configured nearest-only setting for this lookup. */
  nearestOnly?: boolean;
}

export interface SemanticCacheStats {
  entries: number;
  partitions: number;
  exactHits: number;
  semanticHits: number;
  misses: number;
  /** Candidates above the threshold that the verifier refused, by check (`negation`, `number` …). */
  rejections: Record<string, number>;
  stores: number;
  index: VectorIndexMemory;
  embedderId: string;
  similarityThreshold: number;
}

export interface OpenReport {
  loaded: number;
  rebuilt: number;
  reembedded: number;
  expired: number;
}

interface EntryRecord {
  id: string;
  key: string;
  contextKey: string;
  namespace: string;
  question: string;
  expiresAt: number;
  features?: QuestionFeatures;
}

export class SemanticCache<V> {
  readonly similarityThreshold: number;
  private readonly topK: number;
  private readonly ambiguityMargin: number;
  private readonly strictAmbiguity: boolean;
  private readonly nearestOnly: boolean;
  private readonly ttlMs: number;
  private readonly verification: VerificationOptions | false;
  private readonly promoteHits: boolean;
  private readonly embedder: Embedder;
  private readonly entryStore: SemanticEntryStore<V>;
  private readonly embeddings: EmbeddingCache;
  private readonly now: () => number;
  private readonly records = new Map<string, EntryRecord>();
  private readonly idByKey = new Map<string, string>();
  private readonly promotions: LRUCache<string, { id: string; similarity: number }>;
  private readonly index: PartitionedIndex;
  private readonly counters = { exactHits: 0, semanticHits: 0, misses: 0, stores: 0 };
  private readonly rejections: Record<string, number> = {};
  private sweepTimer: NodeJS.Timeout | undefined;
  /** What `open()` found: entries whose index was read from disk, rebuilt, re-embedded, expired. */
  openReport: OpenReport | undefined;

  constructor(
    private readonly options: SemanticCacheOptions,
    deps: SemanticCacheDeps<V>,
  ) {
    this.similarityThreshold = options.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    this.topK = options.topK ?? 5;
    this.ambiguityMargin = options.ambiguityMargin ?? DEFAULT_AMBIGUITY_MARGIN;
    this.strictAmbiguity = options.strictAmbiguity ?? DEFAULT_STRICT_AMBIGUITY;
    this.nearestOnly = options.nearestOnly ?? DEFAULT_NEAREST_ONLY;
    this.ttlMs = options.ttlMs ?? 1_800_000;
    this.verification = options.verification ?? {};
    this.promoteHits = options.promoteSemanticHits ?? true;
    this.embedder = deps.embedder;
    this.entryStore = deps.store;
    this.embeddings = deps.embeddingCache ?? createEmbeddingCache(deps.embedder);
    this.now = deps.now ?? Date.now;
    this.promotions = new LRUCache({ max: options.maxPromotions ?? 10_000 });
    this.index = new PartitionedIndex({ initialCapacity: 64, ...options.index, dimensions: deps.embedder.dimensions });
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweepExpired().catch(() => undefined), sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Loads stored entries and builds (or reads) the index. Called by `createSemanticCache`. */
  async open(): Promise<OpenReport> {
    const now = this.now();
    let expired = 0;
    const live: Array<SemanticEntry<V>> = [];
    for (const entry of await this.entryStore.list()) {
      if (entry.expiresAt <= now) {
        expired++;
        await this.entryStore.delete(entry.id);
      } else {
        live.push(entry);
      }
    }
    // Vectors from another embedder cannot share an index: re-embed their questions.
    const foreign = live.filter((entry) => entry.embedderId !== this.embedder.id || entry.embedding.length !== this.embedder.dimensions);
    const fresh = foreign.length > 0 ? await this.embedder.embed(foreign.map((entry) => entry.question)) : [];
    for (const [position, entry] of foreign.entries()) {
      const updated = { ...entry, embedding: fresh[position]!, embedderId: this.embedder.id };
      await this.entryStore.put(updated);
      live[live.indexOf(entry)] = updated;
    }
    for (const entry of live) this.remember(entry);
    const counts = await this.index.load(
      live.map((entry) => ({ id: entry.id, contextKey: entry.contextKey, vector: entry.embedding })),
      this.options.indexDirectory,
      this.embedder.id,
    );
    this.openReport = { ...counts, reembedded: foreign.length, expired };
    return this.openReport;
  }

  /** Exact key, then verified nearest neighbour; never crosses partitions. */
  async lookup(query: string, context: SemanticContext, options: LookupOptions = {}): Promise<SemanticLookupResult<V>> {
    const partition = contextKey(context);
    const key = exactKeyOf(partition, query);
    const exact = await this.liveEntry(this.idByKey.get(key));
    if (exact) {
      this.counters.exactHits++;
      return { kind: 'exact', entry: exact, similarity: 1 };
    }
    const promoted = this.promotions.get(key);
    if (promoted) {
      const entry = await this.liveEntry(promoted.id);
      if (entry) {
        this.counters.semanticHits++;
        return { kind: 'semantic', entry, similarity: promoted.similarity, rejected: [] };
      }
      this.promotions.delete(key);
    }
    const threshold = options.similarityThreshold ?? this.similarityThreshold;
    const verification = options.verification ?? this.verification;
    const [embedding] = await this.embeddings.embed([query]);
    const candidates: Candidate[] = [];
    for (const match of this.index.search(partition, embedding!, this.topK)) {
      const record = this.records.get(match.id);
      if (record && record.expiresAt > this.now()) candidates.push({ id: record.id, question: record.question, similarity: match.similarity });
    }
    let queryFeatures: QuestionFeatures | undefined;
    const judge = (candidate: Candidate): string[] => {
      if (verification === false) return [];
      const record = this.records.get(candidate.id)!;
      queryFeatures ??= extractFeatures(query);
      record.features ??= extractFeatures(record.question);
      return verifyMatch(queryFeatures, record.features, candidate.similarity, verification).reasons;
    };
    const choice = chooseCandidate(candidates, judge, {
      threshold,
      ambiguityMargin: options.ambiguityMargin ?? this.ambiguityMargin,
      strictAmbiguity: options.strictAmbiguity ?? this.strictAmbiguity,
      verifyAll: options.verifyAll ?? false,
      nearestOnly: options.nearestOnly ?? this.nearestOnly,
    });
    const rejected: RejectedCandidate[] = [];
    for (const candidate of choice.refused) this.reject(rejected, candidate, candidate.reasons);
    for (const candidate of choice.unservable) this.reject(rejected, candidate, [AMBIGUOUS_UNVERIFIED]);
    if (choice.rival && choice.best) {
      this.reject(rejected, choice.best, [
        `ambiguous: "${choice.rival.question}" (${choice.rival.similarity.toFixed(3)}) is as close`,
      ]);
    }
    const entry = choice.chosen ? await this.entryStore.get(choice.chosen.id) : undefined;
    if (choice.chosen && entry) {
      this.counters.semanticHits++;
      if (this.promoteHits && options.promote !== false) this.promotions.set(key, { id: entry.id, similarity: choice.chosen.similarity });
      return { kind: 'semantic', entry, similarity: choice.chosen.similarity, rejected };
    }
    this.counters.misses++;
    const best = candidates[0]?.similarity;
    return best === undefined ? { kind: 'miss', rejected } : { kind: 'miss', similarity: best, rejected };
  }

  private reject(rejected: RejectedCandidate[], candidate: Candidate, reasons: string[]): void {
    rejected.push({ entryId: candidate.id, question: candidate.question, similarity: candidate.similarity, reasons });
    for (const reason of reasons) {
      const check = reason.slice(0, reason.indexOf(':'));
      this.rejections[check] = (this.rejections[check] ?? 0) + 1;
    }
  }

  /**
   * The nearest cached questions of the context, unverified (diagnostics and measurement):
   * `search` forces the exact scan or the HNSW graph instead of the size-based choice.
   */
  async nearest(
    query: string,
    context: SemanticContext,
    options: { k?: number; search?: 'auto' | 'exact' | 'graph' } = {},
  ): Promise<Array<{ id: string; question: string; similarity: number }>> {
    const partition = contextKey(context);
    const [embedding] = await this.embeddings.embed([query]);
    const k = options.k ?? this.topK;
    const search = options.search ?? 'auto';
    const matches =
      search === 'exact' ? this.index.searchExact(partition, embedding!, k)
        : search === 'graph' ? this.index.searchGraph(partition, embedding!, k)
          : this.index.search(partition, embedding!, k);
    return matches.map((match) => ({ ...match, question: this.records.get(match.id)?.question ?? '' }));
  }

  /** Whether the exact (normalised) question is cached and live in this context. */
  has(query: string, context: SemanticContext): boolean {
    const id = this.idByKey.get(exactKeyOf(contextKey(context), query));
    const record = id === undefined ? undefined : this.records.get(id);
    return record !== undefined && record.expiresAt > this.now();
  }

  /** Stores an answer; replaces an entry with the same exact key. */
  async store(query: string, context: SemanticContext, value: V, options: { ttlMs?: number } = {}): Promise<SemanticEntry<V>> {
    const partition = contextKey(context);
    const [embedding] = await this.embeddings.embed([query]);
    const now = this.now();
    const entry: SemanticEntry<V> = {
      id: randomUUID(), key: exactKeyOf(partition, query), contextKey: partition, context, question: query, value,
      embedding: embedding!, embedderId: this.embedder.id, createdAt: now, expiresAt: now + (options.ttlMs ?? this.ttlMs),
    };
    const previous = this.idByKey.get(entry.key);
    await this.entryStore.put(entry);
    if (previous !== undefined) await this.delete(previous);
    this.remember(entry);
    this.index.add({ id: entry.id, contextKey: partition, vector: entry.embedding });
    this.counters.stores++;
    return entry;
  }

  /**
   * Adds an entry another process wrote to the shared store (a replica's pub/sub message) to
   * this cache's view, without writing it back. Idempotent; the newer entry wins an exact key;
   * entries from another embedder are skipped (their vectors cannot share this index).
   * Returns whether the entry is now findable here.
   */
  adopt(entry: SemanticEntry<V>): boolean {
    if (this.records.has(entry.id)) return true;
    if (entry.expiresAt <= this.now()) return false;
    if (entry.embedderId !== this.embedder.id || entry.embedding.length !== this.embedder.dimensions) return false;
    const previous = this.records.get(this.idByKey.get(entry.key) ?? '');
    if (previous) {
      const previousEntryIsNewer = previous.expiresAt > entry.expiresAt;
      if (previousEntryIsNewer) return false;
      this.forget(previous.id);
    }
    this.remember(entry);
    this.index.add({ id: entry.id, contextKey: entry.contextKey, vector: entry.embedding });
    return true;
  }

  /** Drops an entry from this cache's view only (another process deleted it from the shared store). */
  forget(id: string): boolean {
    const record = this.records.get(id);
    if (!record) return false;
    this.records.delete(id);
    if (this.idByKey.get(record.key) === id) this.idByKey.delete(record.key);
    this.index.remove(id);
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const record = this.records.get(id);
    if (record) {
      this.records.delete(id);
      if (this.idByKey.get(record.key) === id) this.idByKey.delete(record.key);
      this.index.remove(id);
    }
    return (await this.entryStore.delete(id)) || record !== undefined;
  }

  /** Removes every entry, or those of one namespace. Returns how many. */
  async clear(namespace?: string): Promise<number> {
    const ids = [...this.records.values()].filter((record) => namespace === undefined || record.namespace === namespace).map((record) => record.id);
    for (const id of ids) await this.delete(id);
    this.promotions.clear();
    return ids.length;
  }

  /** Removes expired entries now. Returns how many. */
  async sweepExpired(): Promise<number> {
    const now = this.now();
    const expired = [...this.records.values()].filter((record) => record.expiresAt <= now).map((record) => record.id);
    for (const id of expired) await this.delete(id);
    return expired.length;
  }

  /** Writes the partition graphs to `indexDirectory` so the next start skips the rebuild. */
  async persistIndex(): Promise<void> {
    if (this.options.indexDirectory) await this.index.write(this.options.indexDirectory, this.embedder.id);
  }

  stats(): SemanticCacheStats {
    return {
      entries: this.records.size, partitions: this.index.partitionCount, ...this.counters, rejections: { ...this.rejections },
      index: this.index.memory(), embedderId: this.embedder.id, similarityThreshold: this.similarityThreshold,
    };
  }

  /** Stops the sweep timer and writes the index (when a directory is configured). The store is the caller's. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.persistIndex();
    this.index.close();
    this.records.clear();
    this.idByKey.clear();
  }

  private remember(entry: SemanticEntry<V>): void {
    this.records.set(entry.id, {
      id: entry.id, key: entry.key, contextKey: entry.contextKey, namespace: entry.context.namespace,
      question: entry.question, expiresAt: entry.expiresAt,
    });
    this.idByKey.set(entry.key, entry.id);
  }

  private async liveEntry(id: string | undefined): Promise<SemanticEntry<V> | undefined> {
    if (id === undefined) return undefined;
    const record = this.records.get(id);
    if (!record) return undefined;
    if (record.expiresAt <= this.now()) {
      await this.delete(id);
      return undefined;
    }
    return this.entryStore.get(id);
  }
}

/** Why a candidate the verifier was not asked about was refused (see `chooseCandidate`). */
const AMBIGUOUS_UNVERIFIED = 'ambiguous: another cached question is within the ambiguity margin (not verified)';

function exactKeyOf(partition: string, query: string): string {
  return `${partition}\n${normaliseQuery(query)}`;
}

/** Creates a semantic cache and loads its stored entries (rebuilding or reading the index). */
export async function createSemanticCache<V>(options: SemanticCacheOptions, deps: SemanticCacheDeps<V>): Promise<SemanticCache<V>> {
  const cache = new SemanticCache(options, deps);
  await cache.open();
  return cache;
}
