import { contentTerms } from '../classify/text.js';
import { extractStances } from './detectors.js';

/** Distinct content terms of a query: what a relevant answer must talk about. */
export function keyTerms(query: string): string[] {
  return [...new Set(contentTerms(query))];
}

/** Share of the query's key terms found in the answer's terms (1 when the query has none). */
export function termCoverage(queryTerms: readonly string[], answerTerms: ReadonlySet<string>): number {
  if (queryTerms.length === 0) return 1;
  let found = 0;
  for (const term of queryTerms) if (answerTerms.has(term)) found++;
  return found / queryTerms.length;
}

function termFrequencies(text: string): Map<string, number> {
  const frequencies = new Map<string, number>();
  for (const term of contentTerms(text)) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  return frequencies;
}

/** Weight applied when one answer recommends what the other advises against. */
const CONFLICT_FACTOR = 0.5;

/**
 * How much two answers to the same question agree, 0–1, for cross-validation: cosine similarity
 * of their content-term frequencies (sub-linear), halved when one recommends what the other
 * advises against.
 */
export function agreementScore(answerA: string, answerB: string): number {
  const a = termFrequencies(answerA);
  const b = termFrequencies(answerB);
  if (a.size === 0 || b.size === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [term, count] of a) {
    const weightA = 1 + Math.log(count);
    normA += weightA * weightA;
    const countB = b.get(term);
    if (countB !== undefined) dot += weightA * (1 + Math.log(countB));
  }
  for (const count of b.values()) {
    const weightB = 1 + Math.log(count);
    normB += weightB * weightB;
  }
  let score = dot / Math.sqrt(normA * normB);
  const stancesA = extractStances(answerA);
  const stancesB = extractStances(answerB);
  const conflict =
    [...stancesA.positive].some((subject) => stancesB.negative.has(subject)) ||
    [...stancesB.positive].some((subject) => stancesA.negative.has(subject));
  if (conflict) score *= CONFLICT_FACTOR;
  return Math.round(score * 1000) / 1000;
}
