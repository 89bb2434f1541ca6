/**
 * Runs a JSONL pair set (`pairs-{train,dev,test}.jsonl`, `{"q1","q2","duplicate","category"}`)
 * through a real `SemanticCache` built as `fortitude serve` builds it (local embedder, the
 * configured threshold and verifier, one partition: the server's partition holds every
 * classification since issue 19). Two measures:
 *  - `shared`: every q1 of the set cached together, each q2 looked up (the `cache eval --populate`
 *    measure): an answer is right when it is for q2 or a question labelled a duplicate of q2; a
 *    duplicate's own cached copy is taken out for its lookup, a non-duplicate q2 that is itself
 *    cached is no first-time question and is left out (the harder measure);
 *  - `pairwise`: q1 alone cached, q2 looked up — the exact key, threshold and verifier on the pair only.
 * Shared by bench/semantic-pairs.ts (the report and the threshold curve) and the split test.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../../src/infrastructure/cache/semantic/embedder.js';
import { createSemanticCache, DEFAULT_SIMILARITY_THRESHOLD } from '../../src/infrastructure/cache/semantic/semantic-cache.js';
import type { SemanticEntry } from '../../src/infrastructure/cache/semantic/store/semantic-entry-store.js';
import { createMemorySemanticEntryStore } from '../../src/infrastructure/cache/semantic/store/memory-entry-store.js';
import { normaliseQuery } from '../../src/infrastructure/cache/semantic/text/text-analysis.js';
import { extractFeatures } from '../../src/infrastructure/cache/semantic/verification/question-features.js';
import { verifyMatch, type VerificationOptions } from '../../src/infrastructure/cache/semantic/verification/verify-match.js';
import { duplicateClusters } from '../../src/operations/cache-eval/evaluate-cache.js';

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

/**
 * The split's audit labels (`pairs-{split}.audit.jsonl`, written by
 * test/fixtures/semantic/audit-labels.ts): duplicates between pairs that the split leaves out.
 * They are never asked themselves; they only widen what counts as a right answer in the shared measure.
 */
export function loadAudit(name: 'train' | 'dev' | 'test'): EvalPair[] {
  return readFileSync(join(here, `../fixtures/semantic/pairs-${name}.audit.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EvalPair);
}

export interface PairOutcome {
  pair: EvalPair;
  /** The cached question served, if any. */
  served?: string;
  similarity?: number;
  /** A duplicate served its own q1 (or, shared, another labelled duplicate of q2). */
  correct: boolean;
  /** Served an answer that is wrong for q2. */
  wrong: boolean;
  /** Shared measure: a non-duplicate whose q2 is itself cached (not a first-time question), left out. */
  skipped?: boolean;
  /** Shared measure, a miss: the nearest candidate refused (or made ambiguous), and why. */
  refused?: { question: string; right: boolean; reasons: string[] };
}

export interface EvalOptions {
  threshold?: number;
  verification?: VerificationOptions | false;
  mode?: 'shared' | 'pairwise';
  /** Shared measure: serve only the nearest candidate (the cache's default), or the best accepted one (false). */
  nearestOnly?: boolean;
  ambiguityMargin?: number;
  strictAmbiguity?: boolean;
  /** Shared measure: extra duplicate labels (the audit's) that make an answer right; not asked themselves. */
  labels?: EvalPair[];
}

const DAY_MS = 86_400_000;


export async function evaluatePairs(pairs: EvalPair[], embedder: Embedder, options: EvalOptions = {}): Promise<PairOutcome[]> {
  const lookupOptions = {
    promote: false,
    ...(options.threshold === undefined ? {} : { similarityThreshold: options.threshold }),
    ...(options.verification === undefined ? {} : { verification: options.verification }),
    ...(options.nearestOnly === undefined ? {} : { nearestOnly: options.nearestOnly }),
    ...(options.ambiguityMargin === undefined ? {} : { ambiguityMargin: options.ambiguityMargin }),
    ...(options.strictAmbiguity === undefined ? {} : { strictAmbiguity: options.strictAmbiguity }),
  };
  const newCache = () => createSemanticCache<string>({ sweepIntervalMs: 0, promoteSemanticHits: false }, { embedder, store: createMemorySemanticEntryStore() });
  const outcomes: PairOutcome[] = [];
  if (options.mode === 'pairwise') {
    const judge = (pair: EvalPair, served: string | undefined, similarity: number | undefined): PairOutcome => {
      const correct = pair.duplicate && served !== undefined;
      const wrong = served !== undefined && !pair.duplicate && normaliseQuery(served) !== normaliseQuery(pair.q2);
      return { pair, ...(served === undefined ? {} : { served }), ...(similarity === undefined ? {} : { similarity }), correct, wrong };
    };
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
  // Shared: every q1 cached together. A q2 that is itself cached would be an exact hit on its own
  // text; a duplicate's own copy is taken out for its lookup (leave one out), a non-duplicate's q2
  // is not a first-time question and is left out (as `cache eval --populate` skips it). An answer
  // is right for q2 when it is for q2 or a question labelled a duplicate of q2 in the set.
  const clusters = duplicateClusters([...pairs, ...(options.labels ?? [])]);
  const cache = await newCache();
  try {
    const entries = new Map<string, SemanticEntry<string>>();
    for (const q1 of new Set(pairs.map((pair) => pair.q1))) entries.set(normaliseQuery(q1), await cache.store(q1, CONTEXT, q1, { ttlMs: DAY_MS }));
    for (const pair of pairs) {
      const asked = normaliseQuery(pair.q2);
      const own = entries.get(asked);
      if (own && !pair.duplicate) {
        outcomes.push({ pair, correct: false, wrong: false, skipped: true });
        continue;
      }
      if (own) cache.forget(own.id);
      const result = await cache.lookup(pair.q2, CONTEXT, lookupOptions);
      if (own) cache.adopt(own);
      const served = result.entry?.value;
      const right = served !== undefined && (clusters.get(asked)?.has(normaliseQuery(served)) ?? false);
      const nearest = result.kind === 'miss' ? result.rejected[0] : undefined;
      const refused = nearest && { question: nearest.question, right: clusters.get(asked)?.has(normaliseQuery(nearest.question)) ?? false, reasons: nearest.reasons };
      outcomes.push({
        pair, ...(served === undefined ? {} : { served, similarity: result.similarity }), ...(refused ? { refused } : {}),
        correct: pair.duplicate && right, wrong: served !== undefined && !right,
      });
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
  const measured = outcomes.filter((outcome) => !outcome.skipped);
  const duplicates = measured.filter((outcome) => outcome.pair.duplicate);
  const negatives = measured.filter((outcome) => !outcome.pair.duplicate);
  const byCategory: PairSummary['byCategory'] = {};
  for (const outcome of measured) {
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
