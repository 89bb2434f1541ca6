import { performance } from 'node:perf_hooks';
import type { PatternRecord, PatternsRepository } from '../../infrastructure/storage/repositories/patterns.js';
import { STOPWORDS, stem, tokenize } from '../classify/text.js';

export const QUERY_PATTERN_TYPE = 'query_pattern';

export interface QueryPattern {
  /** `<research type>:<domain>:<term>+<term>…`, stable for rephrasings with the same key terms. */
  key: string;
  researchType: string;
  domain: string;
  terms: string[];
}

/**
 * Normalises a query to its pattern: the research type, the domain and up to `maxTerms` key
 * terms (stemmed, stopwords and numbers dropped, longest first as the most specific, then sorted
 * so word order does not matter). "How do I drain connections in Axum?" and "axum connection
 * draining how" share a pattern.
 */
export function queryPattern(query: string, researchType: string, domain: string, maxTerms = 4): QueryPattern {
  const seen = new Set<string>();
  for (const token of tokenize(query)) {
    if (STOPWORDS.has(token) || /^\d+$/.test(token) || token.length < 2) continue;
    seen.add(stem(token));
  }
  const terms = [...seen]
    .sort((a, b) => b.length - a.length || a.localeCompare(b))
    .slice(0, maxTerms)
    .sort();
  return { key: `${researchType}:${domain}:${terms.join('+')}`, researchType, domain, terms };
}

export interface PatternTracker {
  /** Counts one query occurrence and whether it went well (answer above the quality threshold). */
  observe(input: { query: string; researchType: string; domain: string; success: boolean; at?: number; occurrences?: number; successes?: number }): Promise<PatternRecord>;
  /** Most frequent query patterns. */
  top(limit?: number): Promise<PatternRecord[]>;
}

/** `pattern_data` tracking: frequency, success rate and last seen per query pattern. */
export function createPatternTracker(deps: { patterns: Pick<PatternsRepository, 'upsert' | 'top'> }, options: { maxTerms?: number } = {}): PatternTracker {
  return {
    observe(input) {
      const pattern = queryPattern(input.query, input.researchType, input.domain, options.maxTerms);
      return deps.patterns.upsert({
        patternType: QUERY_PATTERN_TYPE,
        patternKey: pattern.key,
        success: input.success,
        ...(input.occurrences === undefined ? {} : { occurrences: input.occurrences }),
        ...(input.successes === undefined ? {} : { successes: input.successes }),
        ...(input.at === undefined ? {} : { seenAt: input.at }),
        // The latest wording is kept so the cache warmer can ask the pattern again.
        metadata: { researchType: pattern.researchType, domain: pattern.domain, terms: pattern.terms, example: input.query },
      });
    },
    top(limit = 20) {
      return deps.patterns.top({ patternType: QUERY_PATTERN_TYPE, limit });
    },
  };
}

export interface PatternBatcher {
  /** Counts a research answer's pattern in memory (no database write on the request path). */
  observe(result: { query: string; classification: { researchType: { value: string }; domain: { value: string } }; quality: { composite: number } }): void;
  /** Writes what was counted since the last flush. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

/**
 * Query patterns are counted in memory and written once per `intervalMs`: a cached answer must
 * not cost a database write.
 */
export function createPatternBatcher(
  tracker: Pick<PatternTracker, 'observe'>,
  options: { qualityThreshold: number; intervalMs?: number },
  hooks: { onError?: (error: unknown) => void; onFlushed?: (durationMs: number) => void } = {},
): PatternBatcher {
  const pending = new Map<string, { query: string; researchType: string; domain: string; occurrences: number; successes: number }>();
  const flush = async () => {
    const batch = [...pending.values()];
    pending.clear();
    const started = performance.now();
    for (const entry of batch) await tracker.observe({ ...entry, success: entry.successes > 0 }).catch((error: unknown) => hooks.onError?.(error));
    if (batch.length > 0) hooks.onFlushed?.(performance.now() - started);
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 1_000).unref();
  return {
    observe(result) {
      const researchType = result.classification.researchType.value;
      const domain = result.classification.domain.value;
      const key = `${researchType}|${domain}|${result.query}`;
      let entry = pending.get(key);
      if (!entry) {
        entry = { query: result.query, researchType, domain, occurrences: 0, successes: 0 };
        pending.set(key, entry);
      }
      entry.occurrences++;
      if (result.quality.composite >= options.qualityThreshold) entry.successes++;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
