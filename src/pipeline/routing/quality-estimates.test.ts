import { describe, expect, it } from 'vitest';
import { createQualityEstimates, ratingToScore } from './quality-estimates.js';

describe('quality estimates', () => {
  it('maps ratings 1–5 to 0–1', () => {
    expect([1, 2, 3, 4, 5].map(ratingToScore)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(ratingToScore(9)).toBe(1);
  });

  it('starts at the prior and moves to the scores per provider × research type', () => {
    const estimates = createQualityEstimates({ priorMean: 0.7, priorStrength: 2 });
    expect(estimates.estimate('a', 'decision')).toMatchObject({ mean: 0.7, samples: 0 });
    for (let index = 0; index < 30; index++) estimates.observe({ provider: 'a', researchType: 'decision', score: 0.9, source: 'evaluator' });
    const learned = estimates.estimate('a', 'decision');
    expect(learned.mean).toBeGreaterThan(0.88);
    expect(learned.samples).toBe(30);
    expect(learned.alpha / (learned.alpha + learned.beta)).toBeCloseTo(learned.mean, 9);
    expect(learned.alpha + learned.beta).toBeGreaterThan(200); // tight: the scores agree
    expect(estimates.estimate('a', 'learning').samples).toBe(0); // other types untouched
  });

  it('weights user feedback more than an evaluator score', () => {
    const estimates = createQualityEstimates({ feedbackWeight: 3 });
    for (let index = 0; index < 20; index++) estimates.observe({ provider: 'a', researchType: 't', score: 0.9, source: 'evaluator' });
    const before = estimates.estimate('a', 't').mean;
    const copy = createQualityEstimates({ feedbackWeight: 3 });
    for (let index = 0; index < 20; index++) copy.observe({ provider: 'a', researchType: 't', score: 0.9, source: 'evaluator' });
    estimates.observe({ provider: 'a', researchType: 't', score: ratingToScore(1), source: 'feedback' });
    copy.observe({ provider: 'a', researchType: 't', score: ratingToScore(1), source: 'evaluator' });
    expect(estimates.estimate('a', 't').mean).toBeLessThan(copy.estimate('a', 't').mean);
    expect(before - estimates.estimate('a', 't').mean).toBeGreaterThan(0.1);
  });

  it('forgets old evidence, so a provider that got worse is noticed', () => {
    const estimates = createQualityEstimates({ discount: 0.95 });
    for (let index = 0; index < 200; index++) estimates.observe({ provider: 'a', researchType: 't', score: 0.9, source: 'evaluator' });
    for (let index = 0; index < 40; index++) estimates.observe({ provider: 'a', researchType: 't', score: 0.5, source: 'evaluator' });
    expect(estimates.estimate('a', 't').mean).toBeLessThan(0.6);
  });

  it('keeps model-level estimates next to the provider × type one', () => {
    const estimates = createQualityEstimates();
    estimates.observe({ provider: 'openai', researchType: 't', model: 'gpt-3.5-turbo', score: 0.9, source: 'evaluator' });
    expect(estimates.estimate('openai', 't', 'gpt-3.5-turbo').samples).toBe(1);
    expect(estimates.estimate('openai', 't').samples).toBe(1);
    expect(estimates.entries().map((entry) => entry.model ?? '-').sort()).toEqual(['-', 'gpt-3.5-turbo']);
  });
});
