import { describe, expect, it } from 'vitest';
import { costQualityScores, invertedRatios, rankByScore, scoreCandidates } from './scoring.js';

const WEIGHTS = { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 };

describe('scoring', () => {
  it('inverts latency and cost as ratios to the best candidate', () => {
    expect(invertedRatios([500, 1_000, 250], 0)).toEqual([0.5, 0.25, 1]);
    const [free, paid] = invertedRatios([0, 0.001], 1e-6);
    expect(free).toBe(1);
    expect(paid).toBeCloseTo(1e-6 / 0.001001, 12);
  });

  it('weights the normalised terms: score = latency·0.4 + quality·0.3 + cost·0.2 + availability·0.1', () => {
    const [fast, slow] = scoreCandidates(
      [
        { provider: 'fast', latencyMs: 500, quality: 0.8, costUsd: 0.002, availability: 0.99 },
        { provider: 'slow', latencyMs: 1_000, quality: 0.9, costUsd: 0.001, availability: 1 },
      ],
      WEIGHTS,
    );
    expect(fast!.terms).toEqual({ latency: 1, quality: 0.8, cost: expect.closeTo((0.001 + 1e-6) / (0.002 + 1e-6), 9), availability: 0.99 });
    expect(fast!.score).toBeCloseTo(0.4 + 0.24 + 0.2 * fast!.terms.cost + 0.099, 9);
    expect(slow!.score).toBeCloseTo(0.2 + 0.27 + 0.2 + 0.1, 9);
    expect(rankByScore([fast!, slow!]).map((entry) => entry.provider)).toEqual(['fast', 'slow']);
  });

  it('clamps quality and availability to 0–1 and ranks ties in input order', () => {
    const scored = scoreCandidates(
      [
        { provider: 'a', latencyMs: 100, quality: 1.4, costUsd: 0, availability: Number.NaN },
        { provider: 'b', latencyMs: 100, quality: 1, costUsd: 0, availability: 0 },
      ],
      WEIGHTS,
    );
    expect(scored[0]!.terms.quality).toBe(1);
    expect(scored[0]!.terms.availability).toBe(0);
    expect(rankByScore(scored).map((entry) => entry.provider)).toEqual(['a', 'b']);
  });

  it('cost_quality_balanced uses only quality and cost', () => {
    const scored = costQualityScores(
      [
        { provider: 'premium', latencyMs: 9_000, quality: 0.95, costUsd: 0.01, availability: 0.5 },
        { provider: 'cheap', latencyMs: 100, quality: 0.8, costUsd: 0.001, availability: 1 },
      ],
      { costWeight: 0.3, qualityWeight: 0.7 },
    );
    expect(scored[0]!.score).toBeCloseTo(0.7 * 0.95 + 0.3 * ((0.001 + 1e-6) / (0.01 + 1e-6)), 9);
    expect(scored[1]!.score).toBeCloseTo(0.7 * 0.8 + 0.3, 9);
  });
});
