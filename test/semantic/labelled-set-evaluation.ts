/**
 * Runs the labelled set through a real `SemanticCache`: every distinct origin is stored in one
 * partition, every query is looked up. A "same" pair is a correct hit only when it returns its
 * own origin's entry (another origin is a wrong hit, as the data README requires); any hit for a
 * "different" pair is a false hit. Shared by bench/semantic-eval.ts and the labelled-set test.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../../src/infrastructure/cache/semantic/embedder.js';
import { createSemanticCache, type SemanticCache } from '../../src/infrastructure/cache/semantic/semantic-cache.js';
import { createMemorySemanticEntryStore } from '../../src/infrastructure/cache/semantic/store/memory-entry-store.js';
import type { VerificationOptions } from '../../src/infrastructure/cache/semantic/verification/verify-match.js';
import type { LabelledPair } from '../fixtures/semantic/build-pairs.js';

const here = dirname(fileURLToPath(import.meta.url));
const CONTEXT = { namespace: 'labelled-set' };

export function loadPairs(): LabelledPair[] {
  const document = JSON.parse(readFileSync(join(here, '../fixtures/semantic/pairs.json'), 'utf8')) as { pairs: LabelledPair[] };
  return document.pairs;
}

export interface Outcome {
  pair: LabelledPair;
  kind: 'exact' | 'semantic' | 'miss';
  /** The question of the entry served, if any. */
  served?: string;
  similarity?: number;
  /** Correct hit (own origin for a "same" pair). */
  correct: boolean;
  /** Served an answer that is wrong for the query. */
  wrong: boolean;
  rejectedReasons: string[];
}

export interface CategoryStats {
  total: number;
  hits: number;
  wrong: number;
}

export interface EvaluationRow {
  threshold: number;
  verified: boolean;
  split: 'all' | 'dev' | 'holdout' | 'fresh';
  /** "same" pairs served their own origin / all "same" pairs. */
  paraphraseHitRate: number;
  /** "same" pairs served another origin / all "same" pairs. */
  paraphraseWrongRate: number;
  /** "different" pairs served anything / all "different" pairs. */
  falseHitRate: number;
  /** Wrong answers over every lookup. */
  wrongAnswerRate: number;
  byCategory: Record<string, CategoryStats>;
  counts: { same: number; different: number };
}

export interface RunOptions {
  threshold?: number;
  verification?: VerificationOptions | false;
  ambiguityMargin?: number;
  strictAmbiguity?: boolean;
  pairs?: LabelledPair[];
}

export interface LabelledSetHarness {
  cache: SemanticCache<string>;
  /** Looks up every pair's query; unset options take the cache's defaults. */
  run(options?: RunOptions): Promise<Outcome[]>;
  close(): Promise<void>;
}

/** Builds a cache holding every distinct origin of `pairs` (exact scan unless `index` says otherwise). */
export async function createHarness(
  pairs: LabelledPair[],
  embedder: Embedder,
  index: { fullScanThreshold?: number; efConstruction?: number } = {},
): Promise<LabelledSetHarness> {
  const cache = await createSemanticCache<string>(
    { sweepIntervalMs: 0, promoteSemanticHits: false, index },
    { embedder, store: createMemorySemanticEntryStore() },
  );
  const origins = [...new Set(pairs.map((pair) => pair.origin))];
  for (const origin of origins) await cache.store(origin, CONTEXT, origin, { ttlMs: 86_400_000 });
  return {
    cache,
    async run({ threshold, verification, ambiguityMargin, strictAmbiguity, pairs: subset = pairs } = {}) {
      const lookupOptions = {
        promote: false,
        ...(threshold === undefined ? {} : { similarityThreshold: threshold }),
        ...(verification === undefined ? {} : { verification }),
        ...(ambiguityMargin === undefined ? {} : { ambiguityMargin }),
        ...(strictAmbiguity === undefined ? {} : { strictAmbiguity }),
      };
      const outcomes: Outcome[] = [];
      for (const pair of subset) {
        const result = await cache.lookup(pair.query, CONTEXT, lookupOptions);
        const served = result.entry?.value;
        const hit = served !== undefined;
        const correct = hit && pair.label === 'same' && served === pair.origin;
        outcomes.push({
          pair, kind: result.kind, ...(served === undefined ? {} : { served }),
          ...(result.similarity === undefined ? {} : { similarity: result.similarity }),
          correct, wrong: hit && !correct, rejectedReasons: result.rejected?.flatMap((candidate) => candidate.reasons) ?? [],
        });
      }
      return outcomes;
    },
    close: () => cache.close(),
  };
}

export function summarise(outcomes: Outcome[], threshold: number, verified: boolean, split: EvaluationRow['split']): EvaluationRow {
  const selected = split === 'all' ? outcomes : outcomes.filter((outcome) => outcome.pair.split === split);
  const same = selected.filter((outcome) => outcome.pair.label === 'same');
  const different = selected.filter((outcome) => outcome.pair.label === 'different');
  const byCategory: Record<string, CategoryStats> = {};
  for (const outcome of selected) {
    const stats = (byCategory[outcome.pair.category] ??= { total: 0, hits: 0, wrong: 0 });
    stats.total++;
    if (outcome.served !== undefined) stats.hits++;
    if (outcome.wrong) stats.wrong++;
  }
  const rate = (count: number, total: number) => (total === 0 ? 0 : count / total);
  return {
    threshold, verified, split,
    paraphraseHitRate: rate(same.filter((outcome) => outcome.correct).length, same.length),
    paraphraseWrongRate: rate(same.filter((outcome) => outcome.wrong).length, same.length),
    falseHitRate: rate(different.filter((outcome) => outcome.wrong).length, different.length),
    wrongAnswerRate: rate(selected.filter((outcome) => outcome.wrong).length, selected.length),
    byCategory,
    counts: { same: same.length, different: different.length },
  };
}
