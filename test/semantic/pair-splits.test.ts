/**
 * Issue 19: the semantic cache's safety on questions it was not tuned on, over the pair sets
 * (test/fixtures/semantic/pairs-{train,dev,test}.jsonl) with the default threshold and verifier.
 * Floors and ceilings here are loose guards of the numbers in docs/semantic-cache.md, so a change
 * that serves wrong answers, or stops serving anything, fails.
 */

import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../src/infrastructure/cache/semantic/local-embedder.js';
import { baseCategory, evaluatePairs, loadSplit, summarisePairs } from './pair-splits-evaluation.js';

const embedder = createLocalEmbedder();

describe('pair splits', () => {
  it('are split by origin group, with every issue-19 category in each split', () => {
    const splits = { train: loadSplit('train'), dev: loadSplit('dev'), test: loadSplit('test') };
    const groups = Object.values(splits).map((pairs) => new Set(pairs.map((pair) => (pair as { group?: string }).group)));
    for (const group of groups[0]!) expect(groups[1]!.has(group) || groups[2]!.has(group)).toBe(false);
    for (const group of groups[1]!) expect(groups[2]!.has(group)).toBe(false);
    expect(Object.values(splits).reduce((total, pairs) => total + pairs.length, 0)).toBeGreaterThan(8000);
    for (const pairs of Object.values(splits)) {
      const categories = new Set(pairs.map((pair) => baseCategory(pair.category)));
      for (const category of ['paraphrase', 'question-word', 'modal', 'pronoun', 'subject-swap', 'entity', 'direction', 'added-constraint', 'dropped-constraint', 'negation', 'number']) {
        expect(categories, category).toContain(category);
      }
    }
  });

  it('serves at most 0.5 % of non-duplicates and at least 20 % of duplicates on the dev split (q1 cached, q2 asked)', async () => {
    const summary = summarisePairs(await evaluatePairs(loadSplit('dev'), embedder, { mode: 'pairwise' }));
    expect(summary.falseHits.rate).toBeLessThanOrEqual(0.005);
    expect(summary.falseHits.high).toBeLessThanOrEqual(0.01);
    expect(summary.recall.rate).toBeGreaterThanOrEqual(0.2);
  });

  it('with every q1 cached together, serves few first-time non-duplicates on the dev split, fewer than trying farther candidates', async () => {
    const dev = loadSplit('dev');
    const nearest = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'shared' }));
    const farther = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'shared', nearestOnly: false }));
    expect(nearest.falseHits.rate).toBeLessThanOrEqual(0.01);
    expect(nearest.falseHits.rate).toBeLessThan(farther.falseHits.rate);
    expect(nearest.recall.rate).toBeGreaterThanOrEqual(0.12);
  });

  it('is the verifier that does it: without it the same threshold serves most non-duplicates', async () => {
    const summary = summarisePairs(await evaluatePairs(loadSplit('dev'), embedder, { mode: 'pairwise', verification: false }));
    expect(summary.falseHits.rate).toBeGreaterThan(0.5);
  });
});
