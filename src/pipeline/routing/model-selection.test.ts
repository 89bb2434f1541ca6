import { describe, expect, it } from 'vitest';
import { chooseModel } from './model-selection.js';
import { createSeededRandom } from '../../core/seeded-random.js';

const SELECTION = { defaultModel: 'gpt-4', costOptimizedModel: 'gpt-3.5-turbo', qualityThreshold: 0.8 };
const evidence = (mean: number, samples: number) => ({ mean, samples, alpha: mean * 200, beta: (1 - mean) * 200 });

describe('model selection', () => {
  it('switches to the cost-optimised model when its measured quality stays above the threshold', () => {
    const options = { minSamples: 10, explore: false, random: createSeededRandom(1) };
    expect(chooseModel(SELECTION, evidence(0.86, 25), options)).toEqual({ model: 'gpt-3.5-turbo', reason: 'cost_optimized_quality_ok', quality: 0.86, samples: 25 });
    expect(chooseModel(SELECTION, evidence(0.74, 25), options)).toMatchObject({ model: 'gpt-4', reason: 'cost_optimized_quality_low' });
    expect(chooseModel(SELECTION, evidence(0.95, 4), options)).toMatchObject({ model: 'gpt-4', reason: 'not_enough_samples' });
    expect(chooseModel({ defaultModel: 'gpt-4', qualityThreshold: 0.8 }, undefined, options)).toEqual({ model: 'gpt-4', reason: 'no_cost_optimized_model' });
  });

  it('explores the cheap model while evidence is thin, as often as its posterior clears the threshold', () => {
    const random = createSeededRandom(4);
    const count = (quality: number) =>
      Array.from({ length: 1_000 }, () => chooseModel(SELECTION, { mean: quality, samples: 3, alpha: quality * 6, beta: (1 - quality) * 6 }, { minSamples: 10, explore: true, random })).filter(
        (choice) => choice.reason === 'exploring_cost_optimized',
      ).length;
    const promising = count(0.85);
    const poor = count(0.5);
    expect(promising).toBeGreaterThan(300);
    expect(poor).toBeLessThan(promising / 3);
    expect(poor).toBeGreaterThan(0);
  });
});
