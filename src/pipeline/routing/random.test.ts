import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../core/seeded-random.js';
import { sampleBeta, sampleGamma } from './random.js';

describe('seeded sampling', () => {
  it('draws Gamma and Beta with the right means', () => {
    const random = createSeededRandom(3);
    const n = 20_000;
    let gamma = 0;
    let beta = 0;
    let small = 0;
    for (let index = 0; index < n; index++) {
      gamma += sampleGamma(2.5, random);
      beta += sampleBeta(8, 2, random);
      small += sampleBeta(0.5, 0.5, random);
    }
    expect(gamma / n).toBeCloseTo(2.5, 1);
    expect(beta / n).toBeCloseTo(0.8, 2);
    expect(small / n).toBeCloseTo(0.5, 1);
  });
});
