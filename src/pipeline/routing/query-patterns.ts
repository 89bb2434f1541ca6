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
