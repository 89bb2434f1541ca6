/**
 * The semantic cache's promise, checked on the labelled set (test/fixtures/semantic/pairs.json):
 * with the default configuration, at most 1 % of lookups that should not be served are served
 * (another question's answer, whether for a hard negative or a paraphrase that lands on another
 * pair's origin). The hit rate is reported in bench/RESULTS-semantic.md; here it only has a floor
 * so a change that stops serving anything cannot pass as "safe".
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../src/infrastructure/cache/semantic/local-embedder.js';
import type { LabelledPair } from '../fixtures/semantic/build-pairs.js';
import { createHarness, loadPairs, summarise, type LabelledSetHarness, type Outcome } from './labelled-set-evaluation.js';

let pairs: LabelledPair[];
let harness: LabelledSetHarness;
let outcomes: Outcome[];

beforeAll(async () => {
  pairs = loadPairs();
  harness = await createHarness(pairs, createLocalEmbedder());
  outcomes = await harness.run();
});

afterAll(async () => {
  await harness.close();
});

describe('labelled set', () => {
  it('has at least 1,000 pairs with at least 400 labelled hard negatives', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(1000);
    const negatives = pairs.filter((pair) => pair.label === 'different');
    expect(negatives.length).toBeGreaterThanOrEqual(400);
    const categories = new Set(negatives.map((pair) => pair.category));
    for (const category of ['negation', 'number', 'version', 'entity', 'direction', 'topic']) expect(categories).toContain(category);
  });

  it('serves a wrong answer for at most 1 % of lookups with the default configuration', () => {
    for (const split of ['all', 'dev', 'holdout', 'fresh'] as const) {
      const row = summarise(outcomes, 0, true, split);
      expect(row.falseHitRate, `${split}: hard negatives served`).toBeLessThanOrEqual(0.01);
      expect(row.paraphraseWrongRate, `${split}: paraphrases served another origin`).toBeLessThanOrEqual(0.01);
      expect(row.wrongAnswerRate, `${split}: all wrong answers`).toBeLessThanOrEqual(0.01);
    }
  });

  it('still serves a real share of paraphrases', () => {
    const row = summarise(outcomes, 0, true, 'all');
    expect(row.paraphraseHitRate).toBeGreaterThan(0.2);
  });

  it('is the verifier that keeps it safe: without it the same threshold serves many wrong answers', async () => {
    const unverified = summarise(await harness.run({ verification: false }), 0, false, 'all');
    expect(unverified.falseHitRate).toBeGreaterThan(0.2);
  });
});
