/**
 * Cache warming (the seed's `CacheWarmer`): on an interval, answer popular queries that are not
 * cached yet, answer recent patterns seen more often than a threshold, and precompute embeddings
 * of common terms. Every run is bounded by a query count and a cost budget, runs never overlap,
 * and the timer does not keep the process alive.
 */

import { createEmbeddingCache, type EmbeddingCache } from './embedding-cache.js';
import type { Embedder } from './embedder.js';
import type { SemanticContext } from './store/semantic-entry-store.js';

/** Where warmed answers go: the semantic cache, or the research cache's exact tiers when semantic caching is off. */
export interface WarmTarget<V> {
  lookup(query: string, context: SemanticContext, options: { promote: boolean }): Promise<{ kind: string }>;
  store(query: string, context: SemanticContext, value: V, options: { ttlMs: number }): Promise<unknown>;
}

export interface WarmQuery {
  query: string;
  context: SemanticContext;
  /** Expected cost of answering it (USD), used to stay within `maxCostUsdPerRun` before spending. */
  estimatedCost?: number;
}

export interface RecentPattern extends WarmQuery {
  /** Occurrences in the recent window. */
  frequency: number;
}

export interface CacheWarmerOptions<V> {
  /** Most-asked queries (e.g. from `pattern_data`), most popular first. */
  getPopularQueries: (limit: number) => Promise<WarmQuery[]>;
  /** Recent query patterns with their frequency. */
  getRecentPatterns: () => Promise<RecentPattern[]>;
  /** Terms worth having embeddings for. */
  getCommonTerms: (limit: number) => Promise<string[]>;
  /** Answers a query without the cache; `cost` is what it actually cost (USD). */
  execute: (query: WarmQuery) => Promise<{ value: V; cost?: number }>;
  cache: WarmTarget<V>;
  /** Without one (semantic caching off) no embeddings are precomputed. */
  embedder?: Embedder | undefined;
  /** Where precomputed embeddings go; pass the semantic cache's so lookups use them. */
  embeddingCache?: EmbeddingCache;
  /** A recent pattern is warmed only when its frequency is above this. */
  frequencyThreshold: number;
  /** Queries executed per run (popular + patterns). Default 20. */
  maxQueriesPerRun?: number;
  /** Spend per run (USD). Default unlimited. */
  maxCostUsdPerRun?: number;
  /** Popular queries requested per run. Default 100 (seed). */
  popularLimit?: number;
  /** Common terms requested per run. Default 1,000 (seed). */
  commonTermsLimit?: number;
  /** TTL of warmed entries. Default 1 h (seed). */
  ttlMs?: number;
  /** Default 5 min (seed). */
  intervalMs?: number;
  /** Called for a query whose execution failed; the run goes on. */
  onError?: (error: unknown, query: WarmQuery) => void;
}

export interface WarmStepReport {
  considered: number;
  alreadyCached: number;
  warmed: number;
  failed: number;
}

export interface WarmRunReport {
  popular: WarmStepReport;
  patterns: WarmStepReport & { belowThreshold: number };
  embeddings: { considered: number; alreadyCached: number; computed: number };
  executed: number;
  cost: number;
  /** Why the run stopped executing queries early, if it did. */
  stoppedBy?: 'max_queries' | 'max_cost';
}

const emptyStep = (): WarmStepReport => ({ considered: 0, alreadyCached: 0, warmed: 0, failed: 0 });

export class CacheWarmer<V> {
  readonly embeddings: EmbeddingCache | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<WarmRunReport> | undefined;
  private closed = false;
  lastReport: WarmRunReport | undefined;

  constructor(private readonly options: CacheWarmerOptions<V>) {
    this.embeddings = options.embeddingCache ?? (options.embedder ? createEmbeddingCache(options.embedder) : undefined);
  }

  /** One warming pass; if a pass is already running, returns that one. */
  runOnce(): Promise<WarmRunReport> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Starts the interval (unref'd). Errors of a pass are swallowed here; see `lastReport`. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), this.options.intervalMs ?? 300_000);
    this.timer.unref();
  }

  /** Stops the interval and waits for a pass in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<WarmRunReport> {
    const options = this.options;
    const report: WarmRunReport = {
      popular: emptyStep(), patterns: { ...emptyStep(), belowThreshold: 0 },
      embeddings: { considered: 0, alreadyCached: 0, computed: 0 }, executed: 0, cost: 0,
    };
    const maxQueries = options.maxQueriesPerRun ?? 20;
    const maxCost = options.maxCostUsdPerRun ?? Number.POSITIVE_INFINITY;

    const warm = async (query: WarmQuery, step: WarmStepReport): Promise<boolean> => {
      step.considered++;
      // "Already cached" includes a verified semantic match: warming a paraphrase wastes money.
      const existing = await options.cache.lookup(query.query, query.context, { promote: false });
      if (existing.kind !== 'miss') {
        step.alreadyCached++;
        return true;
      }
      if (report.executed >= maxQueries) {
        report.stoppedBy = 'max_queries';
        return false;
      }
      if (report.cost + (query.estimatedCost ?? 0) > maxCost) {
        report.stoppedBy = 'max_cost';
        return false;
      }
      report.executed++;
      try {
        const result = await options.execute(query);
        report.cost += result.cost ?? query.estimatedCost ?? 0;
        await options.cache.store(query.query, query.context, result.value, { ttlMs: options.ttlMs ?? 3_600_000 });
        step.warmed++;
      } catch (error) {
        step.failed++;
        options.onError?.(error, query);
      }
      return true;
    };

    for (const query of await options.getPopularQueries(options.popularLimit ?? 100)) {
      if (this.closed || !(await warm(query, report.popular))) break;
    }
    if (!report.stoppedBy) {
      for (const pattern of await options.getRecentPatterns()) {
        if (pattern.frequency <= options.frequencyThreshold) {
          report.patterns.belowThreshold++;
          continue;
        }
        if (this.closed || !(await warm(pattern, report.patterns))) break;
      }
    }

    // Embeddings cost no LLM call and are batched, so they are not bounded by the query budget.
    const embeddings = this.embeddings;
    if (embeddings) {
      const terms = [...new Set(await options.getCommonTerms(options.commonTermsLimit ?? 1000))];
      const missing = terms.filter((term) => !embeddings.has(term));
      report.embeddings = { considered: terms.length, alreadyCached: terms.length - missing.length, computed: 0 };
      if (missing.length > 0 && !this.closed) {
        await embeddings.embed(missing);
        report.embeddings.computed = missing.length;
      }
    }
    this.lastReport = report;
    return report;
  }
}

export function createCacheWarmer<V>(options: CacheWarmerOptions<V>): CacheWarmer<V> {
  return new CacheWarmer(options);
}
