import { createHash } from 'node:crypto';
import type { QualityBreakdown } from '../../core/research.js';
import type { CacheStrategy } from '../../infrastructure/cache/cache-strategies.js';
import type { Understanding } from '../ports.js';

type Evaluate = Understanding['evaluate'];

/**
 * `caching.strategies.quality_evaluations` in front of the evaluator: one evaluation per answer
 * (the query, its classification, the answer text and how it finished), kept in the strategy's
 * levels for its TTL, so the same answer is not scored twice — by another worker or replica
 * either, with the Redis level. A disabled strategy evaluates every time.
 */
export function createCachedEvaluation(evaluate: (input: Parameters<Evaluate>[0]) => QualityBreakdown, strategy: Pick<CacheStrategy<unknown>, 'enabled' | 'prefix' | 'peek' | 'getOrCompute'>): Evaluate {
  if (!strategy.enabled) return evaluate;
  return async (input) => {
    const { classification } = input;
    const key = `${strategy.prefix}:v1:${createHash('sha256')
      .update(JSON.stringify([input.query, classification.researchType.value, classification.audience.value, classification.domain.value, input.finishReason ?? '', input.answer]))
      .digest('hex')}`;
    const hit = strategy.peek(key);
    if (hit !== undefined) return hit as QualityBreakdown;
    const outcome = await strategy.getOrCompute(key, () => Promise.resolve(evaluate(input)));
    return outcome.value as QualityBreakdown;
  };
}
