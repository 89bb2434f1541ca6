/**
 * Runs a JSONL pair set (`pairs-{train,dev,test}.jsonl`, `{"q1","q2","duplicate","category"}`)
 * through a real `SemanticCache` built as `fortitude serve` builds it (local embedder, the
 * configured threshold and verifier, one partition: the server's partition holds every
 * classification since issue 19). Two measures:
 *  - `shared`: every q1 of the set cached together, each q2 looked up — a non-duplicate served
 *    anything is a false hit, a duplicate served another q1 is a wrong hit (the harder measure);
 *  - `pairwise`: q1 alone cached, q2 looked up — the exact key, threshold and verifier on the pair only.
 * Shared by bench/semantic-pairs.ts (the report and the threshold curve) and the split test.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../../src/infrastructure/cache/semantic/embedder.js';
import { createSemanticCache, DEFAULT_SIMILARITY_THRESHOLD } from '../../src/infrastructure/cache/semantic/semantic-cache.js';
import { createMemorySemanticEntryStore } from '../../src/infrastructure/cache/semantic/store/memory-entry-store.js';
import { normaliseQuery } from '../../src/infrastructure/cache/semantic/text/text-analysis.js';
import { extractFeatures } from '../../src/infrastructure/cache/semantic/verification/question-features.js';
import { verifyMatch, type VerificationOptions } from '../../src/infrastructure/cache/semantic/verification/verify-match.js';

const here = dirname(fileURLToPath(import.meta.url));
const CONTEXT = { namespace: 'pairs' };

export interface EvalPair {
  q1: string;
  q2: string;
  duplicate: boolean;
  category?: string;
}

export function loadSplit(name: 'train' | 'dev' | 'test'): EvalPair[] {
  return readFileSync(join(here, `../fixtures/semantic/pairs-${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EvalPair);
}

export interface PairOutcome {
  pair: EvalPair;
  /** The cached question served, if any. */
  served?: string;
  similarity?: number;
  /** A duplicate served its own q1. */
  correct: boolean;
  /** Served an answer that is wrong for q2. */
  wrong: boolean;
}

export interface EvalOptions {
  threshold?: number;
  verification?: VerificationOptions | false;
  mode?: 'shared' | 'pairwise';
}

const DAY_MS = 86_400_000;

export async function evaluatePairs(pairs: EvalPair[], embedder: Embedder, options: EvalOptions = {}): Promise<PairOutcome[]> {
  const lookupOptions = {
    promote: false,
    ...(options.threshold === undefined ? {} : { similarityThreshold: options.threshold }),
    ...(options.verification === undefined ? {} : { verification: options.verification }),
  };
  const newCache = () => createSemanticCache<string>({ sweepIntervalMs: 0, promoteSemanticHits: false }, { embedder, store: createMemorySemanticEntryStore() });
  const judge = (pair: EvalPair, served: string | undefined, similarity: number | undefined): PairOutcome => {
    const own = served !== undefined && (normaliseQuery(served) === normaliseQuery(pair.q1) || normaliseQuery(served) === normaliseQuery(pair.q2));
    const correct = pair.duplicate && served !== undefined && normaliseQuery(served) === normaliseQuery(pair.q1);
    // The same question, cached under another pair, is a right answer for a duplicate and a non-duplicate alike.
    const sameQuestion = served !== undefined && normaliseQuery(served) === normaliseQuery(pair.q2);
    const wrong = served !== undefined && !sameQuestion && (!pair.duplicate || !own);
    return { pair, ...(served === undefined ? {} : { served }), ...(similarity === undefined ? {} : { similarity }), correct, wrong };
  };
  const outcomes: PairOutcome[] = [];
  if (options.mode === 'pairwise') {
    // q1 alone cached, q2 looked up: the cache's lookup with one candidate is the exact key, then
    // cosine ≥ threshold, then the verifier. Done with the same functions directly, because one
    // cache storing and deleting an entry per pair grows the native index by GBs.
    const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const verification = options.verification ?? {};
    for (const pair of pairs) {
      if (normaliseQuery(pair.q1) === normaliseQuery(pair.q2)) {
        outcomes.push(judge(pair, pair.q1, 1));
        continue;
      }
      const [left, right] = await embedder.embed([pair.q1, pair.q2]);
      let similarity = 0;
      for (let index = 0; index < left!.length; index++) similarity += left![index]! * right![index]!;
      const accepted = similarity >= threshold && (verification === false || verifyMatch(extractFeatures(pair.q2), extractFeatures(pair.q1), similarity, verification).accepted);
      outcomes.push(judge(pair, accepted ? pair.q1 : undefined, similarity));
    }
    return outcomes;
  }
  const cache = await newCache();
  try {
    for (const q1 of new Set(pairs.map((pair) => pair.q1))) await cache.store(q1, CONTEXT, q1, { ttlMs: DAY_MS });
    for (const pair of pairs) {
      const result = await cache.lookup(pair.q2, CONTEXT, lookupOptions);
      outcomes.push(judge(pair, result.entry?.value, result.similarity));
    }
  } finally {
    await cache.close();
  }
  return outcomes;
}

/** Wilson score interval at 95 %. */
export function wilson(successes: number, total: number): { rate: number; low: number; high: number } {
  if (total === 0) return { rate: 0, low: 0, high: 0 };
  const z = 1.959964;
  const rate = successes / total;
  const denominator = 1 + (z * z) / total;
  const centre = (rate + (z * z) / (2 * total)) / denominator;
  const spread = (z * Math.sqrt((rate * (1 - rate)) / total + (z * z) / (4 * total * total))) / denominator;
  return { rate, low: Math.max(0, centre - spread), high: Math.min(1, centre + spread) };
}

export interface PairSummary {
  duplicates: number;
  nonDuplicates: number;
  recall: ReturnType<typeof wilson>;
  falseHits: ReturnType<typeof wilson>;
  /** Duplicates served another question's answer. */
  duplicateWrong: number;
  byCategory: Record<string, { total: number; duplicate: boolean; served: number; wrong: number }>;
}

/** Category without the `general-` prefix, so general and developer questions pool per category. */
export const baseCategory = (category: string | undefined) => (category ?? 'none').replace(/^general-/, '');

export function summarisePairs(outcomes: PairOutcome[]): PairSummary {
  const duplicates = outcomes.filter((outcome) => outcome.pair.duplicate);
  const negatives = outcomes.filter((outcome) => !outcome.pair.duplicate);
  const byCategory: PairSummary['byCategory'] = {};
  for (const outcome of outcomes) {
    const stats = (byCategory[baseCategory(outcome.pair.category)] ??= { total: 0, duplicate: outcome.pair.duplicate, served: 0, wrong: 0 });
    stats.total++;
    if (outcome.correct) stats.served++;
    if (outcome.wrong) stats.wrong++;
  }
  return {
    duplicates: duplicates.length,
    nonDuplicates: negatives.length,
    recall: wilson(duplicates.filter((outcome) => outcome.correct).length, duplicates.length),
    falseHits: wilson(negatives.filter((outcome) => outcome.wrong).length, negatives.length),
    duplicateWrong: duplicates.filter((outcome) => outcome.wrong).length,
    byCategory,
  };
}
